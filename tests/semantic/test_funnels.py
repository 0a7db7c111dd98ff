"""CONTRACT §6 funnels on hand-built events, with the default seeds/funnel_definitions.csv.

The default funnels used here (steps; window):
- onboarding: signed_up → onboarding_started → profile_completed → project_created →
  onboarding_completed; 7 days
- visit_to_paid: page_view → signed_up → plan_upgraded → payment_succeeded; 30 days
- signup_to_paid: signed_up → plan_upgraded → payment_succeeded; no window
- report_export: dashboard_viewed → report_created → export_clicked; 1 day (nobody here views
  a dashboard, so the whole funnel has zero users)
- repeat_report: report_created → report_created; 7 days

Each scenario has its own user; all land and build in one run. Day 0 is Monday 2026-01-05.
"""

from pathlib import Path

import pytest

from tests.conftest import query, run_cli, write_events
from tests.semantic.scenarios import Event, at, page, track

pytestmark = pytest.mark.integration

DAY_SECONDS = 86_400

# u_f_attempts, onboarding. Attempt 1 (signed_up day 0 09:00, window to day 7 09:00) reaches
# profile_completed (step 3). Attempt 2 (signed_up day 10 09:00) reaches project_created (step
# 4), one minute per step; attempt 3 (signed_up day 11) finds no onboarding_started after it.
# Furthest step 4, with attempt 2's events and times.
ATTEMPTS = [
    track("fa-01", "Signed Up", at("09:00:00"), user_id="u_f_attempts"),
    track("fa-02", "Onboarding Started", at("09:05:00"), user_id="u_f_attempts"),
    track("fa-03", "Profile Completed", at("09:10:00"), user_id="u_f_attempts"),
    track("fa-04", "Signed Up", at("09:00:00", day=10), user_id="u_f_attempts"),
    track("fa-05", "Onboarding Started", at("09:01:00", day=10), user_id="u_f_attempts"),
    track("fa-06", "Profile Completed", at("09:02:00", day=10), user_id="u_f_attempts"),
    track("fa-07", "Project Created", at("09:03:00", day=10), user_id="u_f_attempts"),
    track("fa-08", "Signed Up", at("09:00:00", day=11), user_id="u_f_attempts"),
]
# u_f_earliest, onboarding. Attempt fe-1 (day 0 10:00) reaches step 2 at 10:30 (1,800 s);
# attempt fe-3 (day 2 10:00) reaches step 2 at 10:10 (600 s). Both stop at step 2, so the
# earliest, fe-1, gives the times: 1,800 s. (fe-3's own step 2 is fe-4, not fe-2, which is
# before it.)
EARLIEST = [
    track("fe-1", "Signed Up", at("10:00:00"), user_id="u_f_earliest"),
    track("fe-2", "Onboarding Started", at("10:30:00"), user_id="u_f_earliest"),
    track("fe-3", "Signed Up", at("10:00:00", day=2), user_id="u_f_earliest"),
    track("fe-4", "Onboarding Started", at("10:10:00", day=2), user_id="u_f_earliest"),
]
# u_f_same_time, onboarding: three steps at the same instant, with event ids that sort against
# the step order. Same timestamp counts: steps 1, 2, 3 with 0 s between them.
SAME_TIME = [
    track("fs-c", "Signed Up", at("08:00:00", day=1), user_id="u_f_same_time"),
    track("fs-b", "Onboarding Started", at("08:00:00", day=1), user_id="u_f_same_time"),
    track("fs-a", "Profile Completed", at("08:00:00", day=1), user_id="u_f_same_time"),
]
# u_f_paid. visit_to_paid (30 days): page view day 0 09:00, signed_up 09:10 (600 s), then
# plan_upgraded on day 40, after the window: furthest step 2. signup_to_paid (no window):
# signed_up → plan_upgraded 40 days - 10 min later (3,455,400 s) → payment_succeeded 5 s
# later: step 3. payment_succeeded does not count as active; it still counts here. In
# onboarding, u_f_paid only reaches step 1.
PAID = [
    page("fp-1", "/pricing", at("09:00:00"), user_id="u_f_paid"),
    track("fp-2", "Signed Up", at("09:10:00"), user_id="u_f_paid"),
    track("fp-3", "Plan Upgraded", at("09:00:00", day=40), user_id="u_f_paid"),
    track("fp-4", "Payment Succeeded", at("09:00:05", day=40), user_id="u_f_paid"),
]
# repeat_report (7 days, inclusive): u_f_window's second report is exactly 7 days after the
# first (604,800 s): step 2. u_f_window_out's is 7 days and 1 s after: step 1 only (the second
# report's own attempt has no later report).
WINDOW = [
    track("fw-1", "Report Created", at("12:00:00"), user_id="u_f_window"),
    track("fw-2", "Report Created", at("12:00:00", day=7), user_id="u_f_window"),
    track("fo-1", "Report Created", at("12:00:00"), user_id="u_f_window_out"),
    track("fo-2", "Report Created", at("12:00:01", day=7), user_id="u_f_window_out"),
]
# repeat_report: one event satisfies at most one step. u_f_single's one report reaches step 1
# only; u_f_twin's two reports at the same instant are two distinct events: step 2, 0 s.
ONE_EVENT_ONE_STEP = [
    track("f1-1", "Report Created", at("15:00:00", day=3), user_id="u_f_single"),
    track("ft-1", "Report Created", at("15:00:00", day=3), user_id="u_f_twin"),
    track("ft-2", "Report Created", at("15:00:00", day=3), user_id="u_f_twin"),
]

FILES: dict[str, list[Event]] = {
    "onboarding.ndjson": ATTEMPTS + EARLIEST + SAME_TIME,
    "paid.ndjson": PAID,
    "reports.ndjson": WINDOW + ONE_EVENT_ONE_STEP,
}

# agg_funnel_conversion, worked out from the scenarios above:
#   (funnel, step, count_users, rate_from_first, rate_from_previous, median_seconds_from_previous)
# onboarding: signed_up by attempts, earliest, same_time, paid = 4; onboarding_started by
#   attempts, earliest, same_time = 3 (seconds 60, 1800, 0: median 60); profile_completed by
#   attempts, same_time = 2 (60, 0: median 30); project_created by attempts = 1 (60); nobody
#   completes: 0, rate from previous 0/1 = 0.
# visit_to_paid: only u_f_paid: 1, 1, then 0 and 0; step 4's previous step has 0 users: null.
# signup_to_paid: 4 signed up, u_f_paid upgrades (3,455,400 s) and pays (5 s).
# report_export: nobody views a dashboard: three rows with 0 users and null rates.
# repeat_report: window, window_out, single, twin = 4; window (604,800 s), twin (0) = 2.
EXPECTED_CONVERSION = [
    ("onboarding", 1, 4, 1.0, 1.0, None),
    ("onboarding", 2, 3, 0.75, 0.75, 60.0),
    ("onboarding", 3, 2, 0.5, 2 / 3, 30.0),
    ("onboarding", 4, 1, 0.25, 0.5, 60.0),
    ("onboarding", 5, 0, 0.0, 0.0, None),
    ("repeat_report", 1, 4, 1.0, 1.0, None),
    ("repeat_report", 2, 2, 0.5, 0.5, 302_400.0),
    ("report_export", 1, 0, None, None, None),
    ("report_export", 2, 0, None, None, None),
    ("report_export", 3, 0, None, None, None),
    ("signup_to_paid", 1, 4, 1.0, 1.0, None),
    ("signup_to_paid", 2, 1, 0.25, 0.25, 3_455_400.0),
    ("signup_to_paid", 3, 1, 0.25, 1.0, 5.0),
    ("visit_to_paid", 1, 1, 1.0, 1.0, None),
    ("visit_to_paid", 2, 1, 1.0, 1.0, 600.0),
    ("visit_to_paid", 3, 0, 0.0, 0.0, None),
    ("visit_to_paid", 4, 0, 0.0, None, None),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The funnel scenarios landed and built once with the default vars and seeds."""
    work = tmp_path_factory.mktemp("funnels")
    for name, events in FILES.items():
        write_events(work / "events" / name, events)
    path = work / "warehouse.duckdb"
    run = run_cli("run", "--events", str(work / "events"), "--warehouse", str(path))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return path


def steps_of(warehouse: Path, funnel: str, user_key: str) -> list[tuple[int, str, int | None]]:
    """(step_number, event_id, seconds_from_previous_step) of a user in a funnel."""
    return query(
        warehouse,
        "select step_number, event_id, seconds_from_previous_step from marts.fct_funnel_steps"
        " where funnel_name = ? and user_key = ? order by step_number",
        [funnel, user_key],
    )


def test_a_later_attempt_that_goes_further_is_the_one_kept(warehouse: Path) -> None:
    assert steps_of(warehouse, "onboarding", "u_f_attempts") == [
        (1, "fa-04", None),
        (2, "fa-05", 60),
        (3, "fa-06", 60),
        (4, "fa-07", 60),
    ]


def test_times_come_from_the_earliest_attempt_reaching_the_furthest_step(
    warehouse: Path,
) -> None:
    assert steps_of(warehouse, "onboarding", "u_f_earliest") == [
        (1, "fe-1", None),
        (2, "fe-2", 1800),
    ]


def test_steps_at_the_same_timestamp_count(warehouse: Path) -> None:
    assert steps_of(warehouse, "onboarding", "u_f_same_time") == [
        (1, "fs-c", None),
        (2, "fs-b", 0),
        (3, "fs-a", 0),
    ]


def test_window_end_is_inclusive(warehouse: Path) -> None:
    assert steps_of(warehouse, "repeat_report", "u_f_window") == [
        (1, "fw-1", None),
        (2, "fw-2", 7 * DAY_SECONDS),
    ]
    assert steps_of(warehouse, "repeat_report", "u_f_window_out") == [(1, "fo-1", None)]


def test_one_event_satisfies_at_most_one_step(warehouse: Path) -> None:
    assert steps_of(warehouse, "repeat_report", "u_f_single") == [(1, "f1-1", None)]
    assert steps_of(warehouse, "repeat_report", "u_f_twin") == [
        (1, "ft-1", None),
        (2, "ft-2", 0),
    ]


def test_window_bounds_a_funnel_and_no_window_does_not(warehouse: Path) -> None:
    assert steps_of(warehouse, "visit_to_paid", "u_f_paid") == [
        (1, "fp-1", None),
        (2, "fp-2", 600),
    ]
    assert steps_of(warehouse, "signup_to_paid", "u_f_paid") == [
        (1, "fp-2", None),
        (2, "fp-3", 40 * DAY_SECONDS - 600),
        (3, "fp-4", 5),
    ]


def test_a_user_has_one_furthest_step_per_funnel(warehouse: Path) -> None:
    assert (
        query(
            warehouse,
            "select funnel_name, user_key, count(*) from marts.fct_funnel_steps"
            " where is_furthest_step group by 1, 2 having count(*) <> 1",
        )
        == []
    )
    assert query(
        warehouse,
        "select funnel_name, furthest_step_number from marts.fct_funnel_steps"
        " where user_key = 'u_f_paid' and is_furthest_step order by 1",
    ) == [("onboarding", 1), ("signup_to_paid", 3), ("visit_to_paid", 2)]


def test_conversion_has_every_defined_step_with_hand_worked_counts_and_rates(
    warehouse: Path,
) -> None:
    rows = query(
        warehouse,
        "select funnel_name, step_number, count_users, conversion_rate_from_first,"
        " conversion_rate_from_previous, median_seconds_from_previous"
        " from marts.agg_funnel_conversion order by 1, 2",
    )
    assert [row[:3] for row in rows] == [row[:3] for row in EXPECTED_CONVERSION]
    for row, expected in zip(rows, EXPECTED_CONVERSION, strict=True):
        for actual_value, expected_value in zip(row[3:], expected[3:], strict=True):
            if expected_value is None:
                assert actual_value is None, (row, expected)
            else:
                assert actual_value == pytest.approx(expected_value), (row, expected)


def test_every_seeded_step_has_a_row(warehouse: Path) -> None:
    seeded = query(
        warehouse,
        "select funnel_name, step_number, event_name from seeds.funnel_definitions order by 1, 2",
    )
    assert len(seeded) == len(EXPECTED_CONVERSION)
    assert (
        query(
            warehouse,
            "select funnel_name, step_number, event_name from marts.agg_funnel_conversion"
            " order by 1, 2",
        )
        == seeded
    )


def test_counts_never_increase_and_rates_lie_between_0_and_1(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select funnel_name, step_number, count_users, conversion_rate_from_first,"
        " conversion_rate_from_previous from marts.agg_funnel_conversion order by 1, 2",
    )
    previous: dict[str, int] = {}
    for funnel, _, count, *rates in rows:
        assert count <= previous.get(funnel, count)
        previous[funnel] = count
        assert all(0 <= rate <= 1 for rate in rates if rate is not None)


def test_median_time_to_convert_is_on_the_last_step(warehouse: Path) -> None:
    assert query(
        warehouse,
        "select funnel_name, median_seconds_from_first from marts.agg_funnel_conversion"
        " where is_last_step and count_users > 0 order by 1",
    ) == [
        ("repeat_report", 302_400.0),
        ("signup_to_paid", 40 * DAY_SECONDS - 600 + 5.0),
    ]


def test_breakdown_by_segment_adds_up_and_keeps_zero_steps(warehouse: Path) -> None:
    # every onboarding user here signed up in the week of Monday 2026-01-05 (cohort_week)
    assert query(
        warehouse,
        "select segment_value, step_number, count_users, conversion_rate_from_previous"
        " from marts.agg_funnel_conversion_by_segment"
        " where funnel_name = 'onboarding' and segment_name = 'signup_week' order by 2",
    ) == [
        ("2026-01-05", 1, 4, 1.0),
        ("2026-01-05", 2, 3, 0.75),
        ("2026-01-05", 3, 2, 2 / 3),
        ("2026-01-05", 4, 1, 0.5),
        ("2026-01-05", 5, 0, 0.0),
    ]
    # for every segment name, the values add up to the funnel's counts
    assert (
        query(
            warehouse,
            "select segments.funnel_name, segments.step_number, segments.segment_name"
            " from (select funnel_name, step_number, segment_name, sum(count_users) as total"
            "       from marts.agg_funnel_conversion_by_segment group by 1, 2, 3) as segments"
            " inner join marts.agg_funnel_conversion as funnels"
            "   on segments.funnel_name = funnels.funnel_name"
            "   and segments.step_number = funnels.step_number"
            " where segments.total <> funnels.count_users",
        )
        == []
    )
    # nobody entered report_export: no segment rows (its zero rows are in agg_funnel_conversion)
    assert query(
        warehouse,
        "select count(*) from marts.agg_funnel_conversion_by_segment"
        " where funnel_name = 'report_export'",
    ) == [(0,)]
