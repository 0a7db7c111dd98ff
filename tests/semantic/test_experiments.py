"""CONTRACT §7 experiments on hand-built events, with the default experiment seeds:

- onboarding_checklist_v2: control `control`, variation `checklist_v2`; from 2026-01-12 00:00
  (day 7) to 2026-02-23 00:00 (day 49). Metrics: activation (binomial onboarding_completed,
  7 days), reports_created (count report_created, 14 days), revenue (sum of payment_succeeded's
  `amount`, 28 days, guardrail).
- dashboard_flag (PostHog `$feature_flag_called`): control `false`, from 2026-01-19 (day 14).

Day 0 is Monday 2026-01-05. Each scenario has its own user; all land and build in one run.
"""

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import query, run_cli, write_events
from tests.semantic.scenarios import Event, at, track

pytestmark = pytest.mark.integration

EXPERIMENT = "onboarding_checklist_v2"


def viewed(event_id: str, variation: str, timestamp: str, **fields: object) -> Event:
    """Segment's `Experiment Viewed` for onboarding_checklist_v2."""
    properties = {"experiment_id": EXPERIMENT, "variation_id": variation}
    return track(event_id, "Experiment Viewed", timestamp, properties=properties, **fields)


def moment(hhmmss: str, day: int) -> dt.datetime:
    return dt.datetime.fromisoformat(at(hhmmss, day).removesuffix("Z"))


# u_x_two: control on day 8, checklist_v2 on day 9: two variations, excluded (first: control).
TWO = [
    viewed("x2-1", "control", at("09:00:00", day=8), user_id="u_x_two"),
    viewed("x2-2", "checklist_v2", at("09:00:00", day=9), user_id="u_x_two"),
]
# u_x_early: checklist_v2 on day 3 is before the start (counted, assigns nothing); control on
# day 10 is the first exposure within the dates: control, day 10 09:00, one exposure.
EARLY = [
    viewed("xe-1", "checklist_v2", at("09:00:00", day=3), user_id="u_x_early"),
    viewed("xe-2", "control", at("09:00:00", day=10), user_id="u_x_early"),
]
# u_x_late: only exposed on day 50, after the end: counted, not assigned.
LATE = [viewed("xl-1", "control", at("09:00:00", day=50), user_id="u_x_late")]
# u_x_unknown: variation `zzz` is not among the declared variations: counted, not assigned.
UNKNOWN = [viewed("xu-1", "zzz", at("09:00:00", day=8), user_id="u_x_unknown")]
# a_x_anon is exposed to checklist_v2 anonymously (day 8 10:00), then signs up as u_x_anon
# (10:05), which stitches the exposure to u_x_anon; onboarding completed on day 9: activation 1.
ANONYMOUS = [
    viewed("xa-1", "checklist_v2", at("10:00:00", day=8), anonymous_id="a_x_anon"),
    track("xa-2", "Signed Up", at("10:05:00", day=8), user_id="u_x_anon", anonymous_id="a_x_anon"),
    track("xa-3", "Onboarding Completed", at("10:00:00", day=9), user_id="u_x_anon"),
]
# Window end inclusive (7 days = 604,800 s): u_x_in completes exactly 7 days after exposure
# (activation 1), u_x_out 1 s later (activation 0). Both control.
WINDOW = [
    viewed("xi-1", "control", at("12:00:00", day=8), user_id="u_x_in"),
    track("xi-2", "Onboarding Completed", at("12:00:00", day=15), user_id="u_x_in"),
    viewed("xo-1", "control", at("12:00:00", day=8), user_id="u_x_out"),
    track("xo-2", "Onboarding Completed", at("12:00:01", day=15), user_id="u_x_out"),
]
# u_x_pre (checklist_v2, exposed day 8 09:00): the report of day 7 is before the exposure (not
# counted; it is the CUPED pre-period value, 1); day 8 10:00 and day 22 09:00 (exactly 14 days)
# count; day 22 09:00:01 is past the window: reports_created 2.
PRE = [
    track("xp-1", "Report Created", at("10:00:00", day=7), user_id="u_x_pre"),
    viewed("xp-2", "checklist_v2", at("09:00:00", day=8), user_id="u_x_pre"),
    track("xp-3", "Report Created", at("10:00:00", day=8), user_id="u_x_pre"),
    track("xp-4", "Report Created", at("09:00:00", day=22), user_id="u_x_pre"),
    track("xp-5", "Report Created", at("09:00:01", day=22), user_id="u_x_pre"),
]
# u_x_pay (checklist_v2): payments of 49.5 and "abc" (not a number: counted invalid, not 0).
PAY = [
    viewed("xy-1", "checklist_v2", at("09:00:00", day=8), user_id="u_x_pay"),
    track(
        "xy-2",
        "Payment Succeeded",
        at("09:00:00", day=9),
        user_id="u_x_pay",
        properties={"amount": 49.5, "currency": "USD"},
    ),
    track(
        "xy-3",
        "Payment Succeeded",
        at("09:00:00", day=10),
        user_id="u_x_pay",
        properties={"amount": "abc", "currency": "USD"},
    ),
]
# u_x_flag: PostHog's `$feature_flag_called` assigns dashboard_flag's variation `true`.
FLAG = [
    track(
        "xf-1",
        "$feature_flag_called",
        at("09:00:00", day=15),
        user_id="u_x_flag",
        properties={"$feature_flag": "dashboard_flag", "$feature_flag_response": True},
    ),
]

EVENTS = TWO + EARLY + LATE + UNKNOWN + ANONYMOUS + WINDOW + PRE + PAY + FLAG


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("experiments")
    write_events(work / "events" / "experiments.ndjson", EVENTS)
    path = work / "warehouse.duckdb"
    run = run_cli("run", "--events", str(work / "events"), "--warehouse", str(path))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return path


def test_assignment_is_the_first_exposure_within_the_dates(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select experiment_id, user_key, variation_id, first_exposed_at, count_exposures,"
        " is_excluded, exclusion_reason from marts.fct_experiment_exposures order by 1, 2",
    )
    assert rows == [
        ("dashboard_flag", "u_x_flag", "true", moment("09:00:00", 15), 1, False, None),
        (EXPERIMENT, "u_x_anon", "checklist_v2", moment("10:00:00", 8), 1, False, None),
        (EXPERIMENT, "u_x_early", "control", moment("09:00:00", 10), 1, False, None),
        (EXPERIMENT, "u_x_in", "control", moment("12:00:00", 8), 1, False, None),
        (EXPERIMENT, "u_x_out", "control", moment("12:00:00", 8), 1, False, None),
        (EXPERIMENT, "u_x_pay", "checklist_v2", moment("09:00:00", 8), 1, False, None),
        (EXPERIMENT, "u_x_pre", "checklist_v2", moment("09:00:00", 8), 1, False, None),
        (EXPERIMENT, "u_x_two", "control", moment("09:00:00", 8), 2, True, "multiple_variations"),
    ]


def test_exposures_that_assign_nobody_are_counted(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select exposure_status, variation_id, count_exposures, count_users"
        " from audit.experiment_exposures where experiment_id = ? order by 1, 2",
        [EXPERIMENT],
    )
    # assignable: control (two, early, in, out), checklist_v2 (two, anon, pre, pay)
    assert rows == [
        ("after_end", "control", 1, 1),
        ("assignable", "checklist_v2", 4, 4),
        ("assignable", "control", 4, 4),
        ("before_start", "checklist_v2", 1, 1),
        ("unknown_variation", "zzz", 1, 1),
    ]


def results(warehouse: Path, metric: str) -> dict[str, tuple]:
    rows = query(
        warehouse,
        "select variation_id, is_control, count_users, metric_sum, metric_sum_squares,"
        " metric_mean, relative_lift from marts.agg_experiment_results"
        " where experiment_id = ? and metric_name = ?",
        [EXPERIMENT, metric],
    )
    return {row[0]: row[1:] for row in rows}


def test_activation_counts_events_after_exposure_within_the_inclusive_window(
    warehouse: Path,
) -> None:
    # control: early 0, in 1 (exactly 7 days), out 0 (1 s late); u_x_two is excluded.
    # checklist_v2: anon 1, pre 0, pay 0. Both 1/3: lift 0.
    by_variation = results(warehouse, "activation")
    assert by_variation["control"][:5] == (True, 3, 1.0, 1.0, pytest.approx(1 / 3))
    assert by_variation["control"][5] is None
    assert by_variation["checklist_v2"] == (False, 3, 1.0, 1.0, pytest.approx(1 / 3), 0.0)


def test_a_count_ignores_events_before_the_exposure_and_after_the_window(
    warehouse: Path,
) -> None:
    by_variation = results(warehouse, "reports_created")
    assert by_variation["checklist_v2"][1:4] == (3, 2.0, 4.0)  # u_x_pre: 2
    assert by_variation["control"][1:4] == (3, 0.0, 0.0)


def test_a_sum_adds_numbers_and_counts_what_is_not_a_number(warehouse: Path) -> None:
    by_variation = results(warehouse, "revenue")
    assert by_variation["checklist_v2"][1:4] == (3, 49.5, 49.5**2)
    problems = query(
        warehouse,
        "select problem, detail, is_blocking from audit.experiment_problems"
        " where experiment_id = ? and metric_name = 'revenue'",
        [EXPERIMENT],
    )
    assert problems == [("invalid_metric_values", "1", False)]


def test_the_pre_exposure_value_is_the_cuped_covariate(warehouse: Path) -> None:
    ((pre_value, value),) = query(
        warehouse,
        "select pre_value, metric_value from intermediate.int_experiment_user_metrics"
        " where metric_name = 'reports_created' and user_key = 'u_x_pre'",
    )
    assert (pre_value, value) == (1.0, 2.0)


def test_a_control_nobody_was_assigned_to_is_reported(warehouse: Path) -> None:
    assert query(
        warehouse,
        "select problem, detail, is_blocking from audit.experiment_problems"
        " where experiment_id = 'dashboard_flag'",
    ) == [("control_absent", "false", False)]
