"""The definitions analysts edit are checked before anything runs (issue 17 item 15): a bad
row is one error naming the seed file, the line, the column and the value."""

import shutil
from pathlib import Path

import pytest

from usage_analytics.analyst_inputs import AnalystInputError, check_analyst_inputs
from usage_analytics.paths import SEEDS_DIR


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A copy of the project's seeds (CSV and YAML)."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, folder)
    return folder


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_the_project_seeds_pass() -> None:
    check_analyst_inputs()


@pytest.mark.parametrize(
    ("seed", "old", "new", "expected"),
    [
        (
            "funnel_definitions.csv",
            "onboarding,2,onboarding_started",
            "onboarding,2,singed_up",
            "event_name 'singed_up' is not in the tracking plan",
        ),
        (
            "retention_definitions.csv",
            "weekly_report_retention,report_created,report_created",
            "weekly_report_retention,report_created,report_creatd",
            "return_event 'report_creatd' is not in the tracking plan",
        ),
        (
            "tracking_plan.csv",
            "export_clicked,feature,",
            "export_clicked,featrue,",
            "category 'featrue' is not one of acquisition, activation",
        ),
        (
            "tracking_plan.csv",
            "export_clicked,feature,true,",
            "export_clicked,feature,yes please,",
            "counts_as_active 'yes please' is not one of true, false",
        ),
        (
            "tracking_plan.csv",
            "export_clicked,",
            "Export Clicked,",
            "event_name 'Export Clicked' is not a normalized snake_case name"
            " (normalized: 'export_clicked')",
        ),
        (
            "tracking_plan.csv",
            "export_clicked,",
            "dashboard_viewed,",
            "event_name 'dashboard_viewed' is listed twice",
        ),
        (
            "funnel_definitions.csv",
            "onboarding,3,profile_completed,7,day",
            "onboarding,3,profile_completed,7,fortnight",
            "conversion_window_unit 'fortnight' is not one of second, minute, hour, day, week",
        ),
        (
            "funnel_definitions.csv",
            "onboarding,3,profile_completed,7,day",
            "onboarding,3,profile_completed,8,day",
            "conversion_window_value '8' differs from the funnel's (7 day)",
        ),
        (
            "funnel_definitions.csv",
            "onboarding,3,profile_completed",
            "onboarding,7,profile_completed",
            "step_number '4' leaves a gap: no step 3",
        ),
        (
            "retention_definitions.csv",
            "signed_up,*,week,first_time",
            "signed_up,*,fortnight,first_time",
            "period 'fortnight' is not one of day, week, month",
        ),
        (
            "experiment_definitions.csv",
            "control,2026-01-12 00:00:00,",
            "control,2026-01-32,",
            "starts_at '2026-01-32' is not a timestamp",
        ),
        (
            "experiment_definitions.csv",
            "control:0.5|checklist_v2:0.5",
            "control:0.5|checklist_v2:half",
            "variation_weights 'control:0.5|checklist_v2:half' is not variation:share",
        ),
        (
            "experiment_metrics.csv",
            "activation,binomial,",
            "activation,ratio,",
            "metric_type 'ratio' is not one of binomial, count, sum",
        ),
        (
            "experiment_metrics.csv",
            "onboarding_completed,,7,day,goal",
            "onboarding_completed,,7,,goal",
            "window_value '7' needs a unit (or both empty)",
        ),
        (
            "revenue_events.csv",
            "payment_succeeded,amount,",
            "payment_succeded,amount,",
            "event_name 'payment_succeded' is not in the tracking plan",
        ),
        (
            "revenue_events.csv",
            "USD,subscription_payment,",
            "USD,subscription,",
            "revenue_kind 'subscription' is not one of order, subscription_payment, refund",
        ),
        (
            "revenue_events.csv",
            "payment_succeeded,amount,",
            "payment_succeeded,amount'); drop table x; --,",
            'amount_property "amount\'); drop table x; --" is not a property path',
        ),
        (
            "revenue_events.csv",
            "subscription_payment,interval",
            "subscription_payment,",
            "interval_property '' is not a property path",
        ),
        (
            "revenue_events.csv",
            "payment_refunded,amount,currency,USD,refund,",
            "payment_refunded,amount,currency,USD,refund,interval",
            "interval_property 'interval' is only for subscription_payment",
        ),
        (
            "revenue_events.csv",
            "currency,USD,subscription_payment",
            "currency,CHF,subscription_payment",
            "default_currency 'CHF' has no rate in seeds/exchange_rates.csv",
        ),
        (
            "exchange_rates.csv",
            "EUR,1.08",
            "euro,1.08",
            "currency 'euro' is not a three-letter code listed once",
        ),
        (
            "exchange_rates.csv",
            "EUR,1.08",
            "EUR,-1",
            "rate_to_reporting_currency '-1' is not a positive number",
        ),
        (
            "exchange_rates.csv",
            "EUR,1.08",
            "EUR,nan",
            "rate_to_reporting_currency 'nan' is not a positive number",
        ),
    ],
)
def test_a_bad_row_names_file_line_column_and_value(
    seeds: Path, seed: str, old: str, new: str, expected: str
) -> None:
    path = seeds / seed
    line = _line_of(path, old)
    _replace(path, old, new)
    with pytest.raises(AnalystInputError) as raised:
        check_analyst_inputs(seeds)
    message = str(raised.value)
    assert message.startswith(f"seeds/{seed} line ")
    assert expected in message
    assert "\n" not in message
    if "step_number" not in expected:  # a step gap is reported on the step after the gap
        assert message.startswith(f"seeds/{seed} line {line}:")


def test_retention_any_event_is_allowed(seeds: Path) -> None:
    _replace(
        seeds / "retention_definitions.csv",
        "weekly_report_retention,report_created,report_created",
        "weekly_report_retention,*,report_created",
    )
    check_analyst_inputs(seeds)


def test_the_accepted_categories_come_from_the_seed_yaml(seeds: Path) -> None:
    """One list per column: adding a category to the YAML's accepted_values accepts it."""
    _replace(seeds / "tracking_plan.csv", "export_clicked,feature,", "export_clicked,export,")
    with pytest.raises(AnalystInputError):
        check_analyst_inputs(seeds)
    _replace(seeds / "_seeds.yml", "monetization, system]", "monetization, system, export]")
    check_analyst_inputs(seeds)
