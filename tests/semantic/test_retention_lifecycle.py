"""CONTRACT §6 retention and lifecycle on a hand-built event set, run end to end.

The default seeds/retention_definitions.csv is used as it ships:

| retention_name | cohort_event | return_event | period | cohort_type |
|---|---|---|---|---|
| weekly_signup_retention | signed_up | * | week | first_time |
| daily_activity_retention | * | * | day | recurring |
| monthly_signup_retention | signed_up | * | month | first_time |
| weekly_report_retention | report_created | report_created | week | first_time |

Every user below is its own; aggregates add them up, so the answers are worked out over the whole
set. 2026-01-05 is a Monday. Every event is at 10:00 UTC or later (02:00 or later in Los Angeles,
the same date) except u_tz's 03:00 UTC event, the one the time-zone test moves.

Active days (UTC), with weeks (Mondays) in brackets; identify and payment_succeeded are not active:
  u_early  2025-12-15 [12-15], 2026-01-07 [01-05]
  u_a      signed_up 01-05 [01-05], page 01-14 [01-12], page 01-28 [01-26] (last event)
  u_b      signed_up 01-06 [01-05], report_created 01-22 [01-19]
  u_c      signed_up Sunday 01-11 23:30 [01-05: a Sunday belongs to the Monday before]
  u_d      signed_up 01-12 [01-12]; identify 01-19 and payment_succeeded 01-26 (not active)
  u_tz     page 01-20 12:00, page 01-21 03:00 [both 01-19]
  u_rep    report_created 01-13 [01-12], dashboard_viewed 01-19 [01-19], report_created 01-27
           [01-26]
The warehouse's last event date is Wednesday 2026-01-28: the last week that has begun is 01-26,
the last month 2026-01.
"""

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import query, run_cli, write_events
from tests.semantic.scenarios import Event, page, track

pytestmark = pytest.mark.integration

LOS_ANGELES = "{reporting_timezone: America/Los_Angeles}"


def ts(day: str, hhmm: str = "10:00") -> str:
    """ISO timestamp (UTC) of a ``YYYY-MM-DD`` day at ``hh:mm``."""
    return f"{day}T{hhmm}:00Z"


EVENTS: list[Event] = [
    page("rl-early-1", "/app", ts("2025-12-15"), user_id="u_early"),
    page("rl-early-2", "/app", ts("2026-01-07"), user_id="u_early"),
    track("rl-a-1", "Signed Up", ts("2026-01-05"), user_id="u_a"),
    page("rl-a-2", "/app", ts("2026-01-14"), user_id="u_a"),
    page("rl-a-3", "/app", ts("2026-01-28"), user_id="u_a"),
    track("rl-b-1", "Signed Up", ts("2026-01-06"), user_id="u_b"),
    track("rl-b-2", "Report Created", ts("2026-01-22"), user_id="u_b"),
    track("rl-c-1", "Signed Up", ts("2026-01-11", "23:30"), user_id="u_c"),
    track("rl-d-1", "Signed Up", ts("2026-01-12"), user_id="u_d"),
    {"event_id": "rl-d-2", "type": "identify", "timestamp": ts("2026-01-19"), "user_id": "u_d"},
    track("rl-d-3", "Payment Succeeded", ts("2026-01-26"), user_id="u_d"),
    page("rl-tz-1", "/app", ts("2026-01-20", "12:00"), user_id="u_tz"),
    page("rl-tz-2", "/app", ts("2026-01-21", "03:00"), user_id="u_tz"),
    track("rl-rep-1", "Report Created", ts("2026-01-13"), user_id="u_rep"),
    track("rl-rep-2", "Dashboard Viewed", ts("2026-01-19"), user_id="u_rep"),
    track("rl-rep-3", "Report Created", ts("2026-01-27"), user_id="u_rep"),
]


def build(work: Path, *extra: str) -> Path:
    """Lands EVENTS into a fresh warehouse and builds everything; returns the warehouse."""
    write_events(work / "events" / "retention_lifecycle.ndjson", EVENTS)
    path = work / "warehouse.duckdb"
    run = run_cli("run", "--events", str(work / "events"), "--warehouse", str(path), *extra)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The event set built with the default vars (reporting_timezone UTC)."""
    return build(tmp_path_factory.mktemp("retention_utc"))


@pytest.fixture(scope="module")
def warehouse_los_angeles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same event set built with reporting_timezone America/Los_Angeles."""
    return build(tmp_path_factory.mktemp("retention_la"), "--vars", LOS_ANGELES)


def d(text: str) -> dt.date:
    """A date from ``YYYY-MM-DD``."""
    return dt.date.fromisoformat(text)


RETENTION_SQL = (
    "select cohort_start, period_number, cohort_size, count_retained, count_retained_unbounded"
    " from marts.agg_retention where retention_name = ? order by cohort_start, period_number"
)
LIFECYCLE_SQL = (
    "select period_start, lifecycle_state, count_users from marts.agg_lifecycle"
    " where period = ? order by period_start, lifecycle_state_order"
)


def retention(warehouse: Path, name: str) -> list[tuple]:
    """(cohort_start, period_number, cohort_size, on, on or after) of one definition."""
    return query(warehouse, RETENTION_SQL, [name])


def lifecycle(warehouse: Path, grain: str) -> list[tuple]:
    """(period_start, state, count_users) of one grain, in period then state order."""
    return query(warehouse, LIFECYCLE_SQL, [grain])


# --- retention ------------------------------------------------------------------------------


def test_weekly_first_time_retention_on_and_on_or_after(warehouse: Path) -> None:
    # Cohort 01-05 = u_a, u_b, u_c (u_c signed up on Sunday 01-11, still the week of 01-05).
    #   N0: the whole cohort, 3 and 3.
    #   N1 (01-12): on = {u_a}; on or after = {u_a (last active N3), u_b (last active N2)}.
    #   N2 (01-19): on = {u_b}; on or after = {u_a, u_b}.
    #   N3 (01-26): on = {u_a}; on or after = {u_a}. No N4: week 02-02 has not begun.
    # Cohort 01-12 = u_d, whose identify (01-19) and payment (01-26) are not active: zero rows
    #   for N1 and N2, up to the last week begun.
    assert retention(warehouse, "weekly_signup_retention") == [
        (d("2026-01-05"), 0, 3, 3, 3),
        (d("2026-01-05"), 1, 3, 1, 2),
        (d("2026-01-05"), 2, 3, 1, 2),
        (d("2026-01-05"), 3, 3, 1, 1),
        (d("2026-01-12"), 0, 1, 1, 1),
        (d("2026-01-12"), 1, 1, 0, 0),
        (d("2026-01-12"), 2, 1, 0, 0),
    ]
    rates = query(
        warehouse,
        "select period_number, retention_rate, retention_rate_unbounded from marts.agg_retention"
        " where retention_name = 'weekly_signup_retention' and cohort_start = '2026-01-05'"
        " order by 1",
    )
    assert rates == [(0, 1.0, 1.0), (1, 1 / 3, 2 / 3), (2, 1 / 3, 2 / 3), (3, 1 / 3, 1 / 3)]


def test_monthly_retention_has_no_rows_for_months_not_begun(warehouse: Path) -> None:
    # All four signups are in January 2026; the last event is 01-28, so February has not begun:
    # only period 0, the whole cohort.
    assert retention(warehouse, "monthly_signup_retention") == [(d("2026-01-01"), 0, 4, 4, 4)]


def test_feature_retention_counts_only_the_return_event(warehouse: Path) -> None:
    # report_created -> report_created. Cohort 01-12 = u_rep (first report 01-13). u_rep's
    # dashboard_viewed in 01-19 is not a report: N1 on 0, but on or after 1 (report in 01-26);
    # N2 (01-26): 1 and 1. Cohort 01-19 = u_b (report 01-22): N0 1/1, N1 (01-26) 0/0.
    assert retention(warehouse, "weekly_report_retention") == [
        (d("2026-01-12"), 0, 1, 1, 1),
        (d("2026-01-12"), 1, 1, 0, 1),
        (d("2026-01-12"), 2, 1, 1, 1),
        (d("2026-01-19"), 0, 1, 1, 1),
        (d("2026-01-19"), 1, 1, 0, 0),
    ]


def test_daily_recurring_retention_starts_a_cohort_on_every_active_day(warehouse: Path) -> None:
    # u_rep is active on 01-13, 01-19 and 01-27, alone on each of those days. Recurring: each
    # day starts a membership, so u_rep is the whole cohort of 01-13 and of 01-19 (first_time
    # would count u_rep only in 01-13).
    #   Cohort 01-13: N6 (01-19) on 1; N14 (01-27) on 1; on or after is 1 up to N14 and 0 at
    #   N15 (01-28, the last day: the last row).
    #   Cohort 01-19: N8 (01-27) on 1; rows N0..N9.
    rows = {
        (cohort, number): (size, on, on_or_after)
        for cohort, number, size, on, on_or_after in retention(
            warehouse, "daily_activity_retention"
        )
    }
    cohort_13 = [rows[(d("2026-01-13"), n)] for n in range(16)]
    assert cohort_13 == (
        [(1, 1, 1)] + [(1, 0, 1)] * 5 + [(1, 1, 1)] + [(1, 0, 1)] * 7 + [(1, 1, 1)] + [(1, 0, 0)]
    )
    assert (d("2026-01-13"), 16) not in rows
    assert [rows[(d("2026-01-19"), n)] for n in range(10)] == (
        [(1, 1, 1)] + [(1, 0, 1)] * 7 + [(1, 1, 1)] + [(1, 0, 0)]
    )
    assert (d("2026-01-19"), 10) not in rows
    # 14 active days, each a cohort with a row per day up to 01-28:
    # 12-15 (45 rows), 01-05 (24), 01-06 (23), 01-07 (22), 01-11 (18), 01-12 (17), 01-13 (16),
    # 01-14 (15), 01-19 (10), 01-20 (9), 01-21 (8), 01-22 (7), 01-27 (2), 01-28 (1) = 217.
    assert len(rows) == 217
    assert len({cohort for cohort, _ in rows}) == 14


# --- lifecycle ------------------------------------------------------------------------------


def test_weekly_lifecycle_states_with_trailing_dormant(warehouse: Path) -> None:
    # Active weeks: u_early 12-15, 01-05; u_a 01-05, 01-12, 01-26; u_b 01-05, 01-19; u_c 01-05;
    # u_d 01-12; u_tz 01-19; u_rep 01-12, 01-19, 01-26.
    #   12-15: new u_early.
    #   12-22: dormant u_early.         12-29: nothing (dormant only right after activity).
    #   01-05: new u_a, u_b, u_c; resurrecting u_early (active in December).
    #   01-12: new u_d, u_rep; returning u_a; dormant u_early, u_b, u_c.
    #   01-19: new u_tz; returning u_rep; resurrecting u_b; dormant u_a, u_d.
    #   01-26: returning u_rep; resurrecting u_a; dormant u_b, u_tz.
    #   02-02 (after the last event date): only dormant, u_a and u_rep.
    expected = {
        "2025-12-15": (1, 0, 0, 0),
        "2025-12-22": (0, 0, 0, 1),
        "2025-12-29": (0, 0, 0, 0),
        "2026-01-05": (3, 0, 1, 0),
        "2026-01-12": (2, 1, 0, 3),
        "2026-01-19": (1, 1, 1, 2),
        "2026-01-26": (0, 1, 1, 2),
    }
    states = ("new", "returning", "resurrecting", "dormant")
    rows = [
        (d(week), state, count)
        for week, counts in expected.items()
        for state, count in zip(states, counts, strict=True)
    ] + [(d("2026-02-02"), "dormant", 2)]
    assert lifecycle(warehouse, "week") == rows


def test_monthly_lifecycle_classifies_with_earlier_activity(warehouse: Path) -> None:
    # u_early was active in December, so in January it is returning, not new; the six others
    # are new in January. February has not begun: only its dormant row (all seven).
    assert lifecycle(warehouse, "month") == [
        (d("2025-12-01"), "new", 1),
        (d("2025-12-01"), "returning", 0),
        (d("2025-12-01"), "resurrecting", 0),
        (d("2025-12-01"), "dormant", 0),
        (d("2026-01-01"), "new", 6),
        (d("2026-01-01"), "returning", 1),
        (d("2026-01-01"), "resurrecting", 0),
        (d("2026-01-01"), "dormant", 0),
        (d("2026-02-01"), "dormant", 7),
    ]


def test_daily_lifecycle_around_u_tz(warehouse: Path) -> None:
    # 01-19 u_rep; 01-20 u_tz; 01-21 u_tz; 01-22 u_b (active before, on 01-06).
    #   01-20: new u_tz, dormant u_rep.  01-21: returning u_tz.
    #   01-22: resurrecting u_b, dormant u_tz.
    rows = [r for r in lifecycle(warehouse, "day") if d("2026-01-20") <= r[0] <= d("2026-01-22")]
    assert [(str(day), state, count) for day, state, count in rows if count] == [
        ("2026-01-20", "new", 1),
        ("2026-01-20", "dormant", 1),
        ("2026-01-21", "returning", 1),
        ("2026-01-22", "resurrecting", 1),
        ("2026-01-22", "dormant", 1),
    ]
    # every day from 12-15 to 01-28 has four rows (45 days), plus 01-29: u_a's dormant row
    all_rows = lifecycle(warehouse, "day")
    assert len(all_rows) == 45 * 4 + 1
    assert all_rows[-1] == (d("2026-01-29"), "dormant", 1)


def test_lifecycle_active_states_add_up_to_active_users(warehouse: Path) -> None:
    # new + returning + resurrecting = distinct users with an active event, per week
    rows = query(
        warehouse,
        "with lifecycle as (select period_start, sum(count_users) as count_active"
        " from marts.agg_lifecycle where period = 'week' and lifecycle_state <> 'dormant'"
        " group by 1),"
        " events as (select date_trunc('week', event_date) as period_start,"
        " count(distinct user_key) as count_active from marts.fct_events"
        " where is_active_event group by 1)"
        " select lifecycle.period_start, lifecycle.count_active, events.count_active"
        " from lifecycle left join events on lifecycle.period_start = events.period_start"
        " where lifecycle.period_start <= '2026-01-26' order by 1",
    )
    assert [(in_lifecycle, in_events or 0) for _, in_lifecycle, in_events in rows] == [
        (1, 1),
        (0, 0),
        (0, 0),
        (4, 4),
        (3, 3),
        (3, 3),
        (2, 2),
    ]


# --- the reporting time zone ----------------------------------------------------------------


def differences(first: Path, second: Path, sql: str) -> tuple[set[tuple], set[tuple]]:
    """Rows only in ``first`` and rows only in ``second``."""
    rows_first, rows_second = set(query(first, sql)), set(query(second, sql))
    return rows_first - rows_second, rows_second - rows_first


def test_los_angeles_moves_the_03_utc_event_to_the_previous_day(
    warehouse: Path, warehouse_los_angeles: Path
) -> None:
    # u_tz's 01-21 03:00 UTC is 01-20 19:00 in Los Angeles: u_tz is active on 01-20 only.
    # Every other event is at 10:00 UTC or later, so nothing else moves.
    assert query(
        warehouse_los_angeles,
        "select event_id, event_date from marts.fct_events where user_key = 'u_tz' order by 1",
    ) == [("rl-tz-1", d("2026-01-20")), ("rl-tz-2", d("2026-01-20"))]

    # Daily retention. UTC: cohort 01-20 = u_tz, back on 01-21 (N1: 1 and 1); cohort 01-21 =
    # u_tz with rows N0..N7 (01-21..01-28). Los Angeles: cohort 01-20 has nobody back on
    # 01-21 (N1: 0 and 0) and there is no cohort 01-21. Nothing else changes.
    only_utc, only_los_angeles = differences(
        warehouse,
        warehouse_los_angeles,
        "select retention_name, cohort_start, period_number, cohort_size, count_retained,"
        " count_retained_unbounded from marts.agg_retention",
    )
    name = "daily_activity_retention"
    assert only_utc == {(name, d("2026-01-20"), 1, 1, 1, 1)} | {
        (name, d("2026-01-21"), n, 1, 1 if n == 0 else 0, 1 if n == 0 else 0) for n in range(8)
    }
    assert only_los_angeles == {(name, d("2026-01-20"), 1, 1, 0, 0)}

    # Day lifecycle. UTC: 01-21 returning 1 (u_tz), 01-22 dormant 1 (u_tz). Los Angeles: u_tz
    # is dormant on 01-21 and nobody is returning then; 01-22 has no dormant user.
    only_utc, only_los_angeles = differences(
        warehouse,
        warehouse_los_angeles,
        "select period, period_start, lifecycle_state, count_users from marts.agg_lifecycle",
    )
    assert only_utc == {
        ("day", d("2026-01-21"), "returning", 1),
        ("day", d("2026-01-21"), "dormant", 0),
        ("day", d("2026-01-22"), "dormant", 1),
    }
    assert only_los_angeles == {
        ("day", d("2026-01-21"), "returning", 0),
        ("day", d("2026-01-21"), "dormant", 1),
        ("day", d("2026-01-22"), "dormant", 0),
    }
