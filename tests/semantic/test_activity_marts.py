"""Activity marts (CONTRACT §5-6) on a hand-built event set, run end to end through the CLI.

Day dN is 2026-01-05 (a Monday) + N days. Every user is distinct; all events are between 09:00
and 12:05 UTC (01:00-04:05 in Los Angeles, UTC-8 in winter, so the same date) except u_tz's,
at 03:00 UTC (19:00 the previous day in Los Angeles).

    user     events (UTC)                                              active dates
    u_a      d0 09:00 signed_up, 09:10 + 09:20 report_created;         d0, d1
             d1 10:00 report_created
    u_b      d6 12:00 page_view                                        d6
    u_c      d8 12:00 payment_succeeded (not active)                   -
    u_d      d7 12:00 "Mystery Clicked" (unknown: counts as active)    d7
    u_tz     d10 03:00 dashboard_viewed                                d10 (LA: d9)
    u_g      d0 12:00 signed_up; d14 12:00 report_created,             d0, d14
             d14 12:05 dashboard_viewed
    u_f      d35 12:00 report_created                                  d35 (the last date)
    a_old    d2 12:00 page_view (anonymous, never identified)          d2
    a_x      d30 12:00 page_view (anonymous, never identified)         d30

The calendar runs d0 (01-05) .. d35 (02-09): 36 days, most without any event.
"""

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import query, run_cli, write_events

pytestmark = pytest.mark.integration

D0 = dt.date(2026, 1, 5)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def at(n: int, hhmm: str) -> str:
    """ISO timestamp, UTC, on day dN at hh:mm."""
    clock = dt.time.fromisoformat(hhmm)
    return dt.datetime.combine(day(n), clock).isoformat() + "Z"


def track(event_id: str, event: str, timestamp: str, **fields: object) -> dict[str, object]:
    return {"event_id": event_id, "type": "track", "event": event, "timestamp": timestamp, **fields}


def page(event_id: str, timestamp: str, **fields: object) -> dict[str, object]:
    return {
        "event_id": event_id,
        "type": "page",
        "timestamp": timestamp,
        "context": {"page": {"path": "/"}},
        **fields,
    }


EVENTS = [
    track("a-1", "Signed Up", at(0, "09:00"), user_id="u_a"),
    track("a-2", "Report Created", at(0, "09:10"), user_id="u_a"),
    track("a-3", "Report Created", at(0, "09:20"), user_id="u_a"),
    track("a-4", "Report Created", at(1, "10:00"), user_id="u_a"),
    page("b-1", at(6, "12:00"), user_id="u_b"),
    track("c-1", "Payment Succeeded", at(8, "12:00"), user_id="u_c"),
    track("d-1", "Mystery Clicked", at(7, "12:00"), user_id="u_d"),
    track("tz-1", "Dashboard Viewed", at(10, "03:00"), user_id="u_tz"),
    track("g-1", "Signed Up", at(0, "12:00"), user_id="u_g"),
    track("g-2", "Report Created", at(14, "12:00"), user_id="u_g"),
    track("g-3", "Dashboard Viewed", at(14, "12:05"), user_id="u_g"),
    track("f-1", "Report Created", at(35, "12:00"), user_id="u_f"),
    page("old-1", at(2, "12:00"), anonymous_id="a_old"),
    page("x-1", at(30, "12:00"), anonymous_id="a_x"),
]

# user -> active day numbers, as in the table above (UTC)
ACTIVE_DAYS_UTC = {
    "u_a": {0, 1},
    "u_b": {6},
    "u_d": {7},
    "u_tz": {10},
    "u_g": {0, 14},
    "u_f": {35},
    "a_old": {2},
    "a_x": {30},
}


def build(tmp_path_factory: pytest.TempPathFactory, name: str, *vars_: str) -> Path:
    work = tmp_path_factory.mktemp(name)
    write_events(work / "events" / "activity.ndjson", EVENTS)
    warehouse = work / "warehouse.duckdb"
    run = run_cli("run", "--events", str(work / "events"), "--warehouse", str(warehouse), *vars_)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The events built with the default vars (reporting_timezone UTC)."""
    return build(tmp_path_factory, "activity_utc")


@pytest.fixture(scope="module")
def warehouse_la(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same events with reporting_timezone America/Los_Angeles."""
    return build(
        tmp_path_factory, "activity_la", "--vars", "{reporting_timezone: America/Los_Angeles}"
    )


def active_users(path: Path) -> dict[dt.date, tuple[int, int, int, float | None]]:
    """activity_date -> (dau, wau, mau, stickiness rounded to 9 places)."""
    rows = query(
        path, "select activity_date, dau, wau, mau, stickiness from marts.agg_active_users"
    )
    return {date: (dau, wau, mau, rounded(stickiness)) for date, dau, wau, mau, stickiness in rows}


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 9)


def reference_active_users(active_days: dict[str, set[int]]) -> dict[dt.date, tuple]:
    """dau / wau / mau read straight from the contract, day by day over d0 .. d35."""
    table = {}
    for n in range(36):
        dau = sum(1 for days in active_days.values() if n in days)
        wau = sum(1 for days in active_days.values() if any(n - 6 <= d <= n for d in days))
        mau = sum(1 for days in active_days.values() if any(n - 29 <= d <= n for d in days))
        table[day(n)] = (dau, wau, mau, rounded(dau / mau) if mau else None)
    return table


# --- agg_active_users -----------------------------------------------------------------------


def test_every_day_from_first_to_last_event_has_a_row(warehouse: Path) -> None:
    # d0 .. d35 = 36 days, though only 12 of them have events
    assert sorted(active_users(warehouse)) == [day(n) for n in range(36)]


def test_active_users_hand_worked_days(warehouse: Path) -> None:
    table = active_users(warehouse)
    # d0: u_a and u_g active; windows hold only d0
    assert table[day(0)] == (2, 2, 2, 1.0)
    # d1: u_a; wau/mau also hold u_g (d0)
    assert table[day(1)] == (1, 2, 2, 0.5)
    # d7: u_d; wau = d1..d7 = u_a (d1), a_old, u_b, u_d = 4 (u_g's d0 is out); mau adds u_g = 5
    assert table[day(7)] == (1, 4, 5, 0.2)
    # d8: only u_c's payment, which is not active: dau 0; u_a (last active d1) leaves wau:
    # d2..d8 = a_old, u_b, u_d = 3
    assert table[day(8)] == (0, 3, 5, 0.0)
    # d20: a day without any event: zero dau; wau d14..d20 = u_g; mau d0..d20 = u_a, u_g,
    # a_old, u_b, u_d, u_tz = 6
    assert table[day(20)] == (0, 1, 6, 0.0)
    # d30: a_x; mau d1..d30 still holds u_a (d1) = u_a, a_old, u_b, u_d, u_tz, u_g, a_x = 7
    assert table[day(30)] == (1, 1, 7, pytest.approx(1 / 7))
    # d31: u_a's d1 is 30 days back: out of mau = 6
    assert table[day(31)] == (0, 1, 6, 0.0)
    # d35: u_f; wau d29..d35 = a_x, u_f; mau d6..d35 = u_b, u_d, u_tz, u_g, a_x, u_f = 6
    assert table[day(35)] == (1, 2, 6, pytest.approx(1 / 6))


def test_active_users_match_the_contract_on_every_day(warehouse: Path) -> None:
    assert active_users(warehouse) == reference_active_users(ACTIVE_DAYS_UTC)


def test_reporting_timezone_moves_an_early_utc_event_to_the_previous_day(
    warehouse: Path, warehouse_la: Path
) -> None:
    utc, la = active_users(warehouse), active_users(warehouse_la)
    # u_tz's d10 03:00 UTC is d9 19:00 in Los Angeles; every other event keeps its date.
    # UTC d9: dau 0, wau d3..d9 = u_b, u_d = 2, mau d0..d9 = u_a, u_g, a_old, u_b, u_d = 5
    assert utc[day(9)] == (0, 2, 5, 0.0)
    # LA d9: u_tz is active: dau 1, wau 3, mau 6
    assert la[day(9)] == (1, 3, 6, pytest.approx(1 / 6))
    # UTC d10: u_tz; LA d10: nobody (wau d4..d10 and mau are the same 3 and 6 in both)
    assert utc[day(10)] == (1, 3, 6, pytest.approx(1 / 6))
    assert la[day(10)] == (0, 3, 6, 0.0)
    # d16: wau d10..d16 holds u_tz and u_g in UTC, only u_g in LA
    assert utc[day(16)][:3] == (0, 2, 6)
    assert la[day(16)][:3] == (0, 1, 6)
    # and nothing else differs
    assert {d for d in utc if utc[d] != la[d]} == {day(9), day(10), day(16)}
    la_days = {**ACTIVE_DAYS_UTC, "u_tz": {9}}
    assert la == reference_active_users(la_days)


# --- agg_stickiness -------------------------------------------------------------------------


def test_stickiness_counts_users_by_active_days_per_month(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select month_start, count_active_days, count_users, share_of_users,"
        " count_monthly_active_users, count_days_observed from marts.agg_stickiness"
        " where count_users > 0 order by 1, 2",
    )
    # January (01-05 .. 01-31 = 27 days observed): u_a and u_g active on 2 days, a_old, u_b,
    # u_d, u_tz on 1 -> k=1: 4 users (4/6), k=2: 2 (2/6). February (02-01 .. 02-09 = 9 days):
    # a_x and u_f on 1 day each.
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    assert rows == [
        (jan, 1, 4, pytest.approx(4 / 6), 6, 27),
        (jan, 2, 2, pytest.approx(2 / 6), 6, 27),
        (feb, 1, 2, 1.0, 2, 9),
    ]
    # zero-filled: k = 1..27 in January, 1..9 in February
    assert query(
        warehouse, "select month_start, count(*) from marts.agg_stickiness group by 1 order by 1"
    ) == [(jan, 27), (feb, 9)]


# --- agg_feature_adoption -------------------------------------------------------------------

W = [day(7 * n) for n in range(6)]  # Mondays 01-05 .. 02-09


def test_feature_adoption_by_week(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select feature_name, week_start, count_new_adopters, count_adopters_to_date,"
        " count_active_users, count_active_users_to_date, adoption_rate"
        " from marts.agg_feature_adoption order by 1, 2",
    )
    # Users active to date (first active day): W0 u_a, u_g (d0), a_old (d2), u_b (d6) = 4;
    # W1 + u_d (d7), u_tz (d10) = 6; W2, W3 6; W4 + a_x (d30) = 7; W5 + u_f (d35) = 8.
    # dashboard_viewed: u_tz d10 (W1), u_g d14 (W2); no row before W1.
    # report_created: u_a d0 (W0, again d1), u_g d14 (W2), u_f d35 (W5).
    assert rows == [
        ("dashboard_viewed", W[1], 1, 1, 1, 6, pytest.approx(1 / 6)),
        ("dashboard_viewed", W[2], 1, 2, 1, 6, pytest.approx(2 / 6)),
        ("dashboard_viewed", W[3], 0, 2, 0, 6, pytest.approx(2 / 6)),
        ("dashboard_viewed", W[4], 0, 2, 0, 7, pytest.approx(2 / 7)),
        ("dashboard_viewed", W[5], 0, 2, 0, 8, 0.25),
        ("report_created", W[0], 1, 1, 1, 4, 0.25),
        ("report_created", W[1], 0, 1, 0, 6, pytest.approx(1 / 6)),
        ("report_created", W[2], 1, 2, 1, 6, pytest.approx(2 / 6)),
        ("report_created", W[3], 0, 2, 0, 6, pytest.approx(2 / 6)),
        ("report_created", W[4], 0, 2, 0, 7, pytest.approx(2 / 7)),
        ("report_created", W[5], 1, 3, 1, 8, 0.375),
    ]


def test_median_days_from_signup_to_first_use(warehouse: Path) -> None:
    rows = dict(
        query(
            warehouse,
            "select feature_name, (count_adopters, count_adopters_after_signup,"
            " count_adopters_without_signup, median_days_from_signup_to_first_use)"
            " from marts.agg_feature_adoption_summary",
        )
    )
    # report_created: u_a 10 minutes after signup, u_g 14 days after; u_f never signed up.
    # Median of (10/1440, 14) days.
    adopters, after_signup, without_signup, median = rows["report_created"]
    assert (adopters, after_signup, without_signup) == (3, 2, 1)
    assert median == pytest.approx((10 / 1440 + 14) / 2)
    # dashboard_viewed: u_g 14 days 5 minutes after signup; u_tz never signed up
    adopters, after_signup, without_signup, median = rows["dashboard_viewed"]
    assert (adopters, after_signup, without_signup) == (2, 1, 1)
    assert median == pytest.approx(14 + 5 / 1440)
    # a feature of the plan nobody used still has its row
    assert rows["export_clicked"] == (0, 0, 0, None)


# --- fct_inactive_users ---------------------------------------------------------------------


def test_inactive_users_are_the_identified_users_quiet_for_14_days(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select user_key, days_since_last_seen, days_since_last_active, count_sessions,"
        " count_events, count_active_days from marts.fct_inactive_users order by 1",
    )
    # last event date d35. u_f (0 days) and a_x (5) are not inactive; a_old (33) is, but it
    # has no user_id. u_a: sessions d0 (3 events within 10 min) and d1; u_c has no active
    # event at all; u_g: sessions d0 and d14 (2 events).
    assert rows == [
        ("u_a", 34, 34, 2, 4, 2),
        ("u_b", 29, 29, 1, 1, 1),
        ("u_c", 27, None, 1, 1, 0),
        ("u_d", 28, 28, 1, 1, 1),
        ("u_g", 21, 21, 2, 3, 2),
        ("u_tz", 25, 25, 1, 1, 1),
    ]


# --- agg_session_paths ----------------------------------------------------------------------


def test_session_paths_and_drop_off(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select event_name, next_event_name, next_event_rank, count_transitions,"
        " share_of_next_events from marts.agg_session_paths order by 1, 3",
    )
    # Sessions: u_a [signed_up, report_created, report_created], [report_created];
    # u_g [signed_up], [report_created, dashboard_viewed]; u_f [report_created]; u_tz
    # [dashboard_viewed]; u_b, a_old, a_x [page_view]; u_c [payment_succeeded]; u_d
    # [mystery_clicked]. report_created occurs 5 times: 3 session ends (0.6), then
    # dashboard_viewed and report_created once each (tie: by name).
    assert rows == [
        ("dashboard_viewed", "(session_end)", 1, 2, 1.0),
        ("mystery_clicked", "(session_end)", 1, 1, 1.0),
        ("page_view", "(session_end)", 1, 3, 1.0),
        ("payment_succeeded", "(session_end)", 1, 1, 1.0),
        ("report_created", "(session_end)", 1, 3, 0.6),
        ("report_created", "dashboard_viewed", 2, 1, 0.2),
        ("report_created", "report_created", 3, 1, 0.2),
        ("signed_up", "(session_end)", 1, 1, 0.5),
        ("signed_up", "report_created", 2, 1, 0.5),
    ]
