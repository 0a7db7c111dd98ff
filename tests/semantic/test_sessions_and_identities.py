"""CONTRACT §6 sessions, identities, dedup and users on hand-built events (see scenarios.py)."""

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import query, run_cli, write_events
from tests.semantic import scenarios

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All scenarios landed and built once with the default vars."""
    work = tmp_path_factory.mktemp("semantic")
    for name, events in scenarios.FILES.items():
        write_events(work / "events" / name, events)
    path = work / "warehouse.duckdb"
    run = run_cli("run", "--events", str(work / "events"), "--warehouse", str(path))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return path


def sessions_of(warehouse: Path, user_key: str) -> list[tuple[str, int, int]]:
    """(event_id, session_number, event_number_in_session) of a user, in time order."""
    return query(
        warehouse,
        "select event_id, session_number, event_number_in_session from marts.fct_events "
        "where user_key = ? order by event_at, event_id",
        [user_key],
    )


def test_gap_of_exactly_the_timeout_stays_and_one_second_more_splits(warehouse: Path) -> None:
    assert [s for _, s, _ in sessions_of(warehouse, "u_gap")] == [1, 1, 2]
    assert [s for _, s, _ in sessions_of(warehouse, "u_gap45")] == [1, 2, 3]


def test_out_of_order_arrival_changes_nothing(warehouse: Path) -> None:
    assert sessions_of(warehouse, "u_ooo") == [("ooo-1", 1, 1), ("ooo-2", 1, 2), ("ooo-3", 2, 1)]


def test_identical_timestamps_are_ordered_by_event_id(warehouse: Path) -> None:
    assert sessions_of(warehouse, "u_tie") == [("tie-a", 1, 1), ("tie-b", 1, 2), ("tie-c", 1, 3)]


def test_max_session_length_cuts_after_24_hours(warehouse: Path) -> None:
    numbers = [s for _, s, _ in sessions_of(warehouse, "u_long")]
    assert numbers == [1] * 73 + [2] * 3
    rows = query(
        warehouse,
        "select session_number, duration_seconds, count_events from marts.fct_sessions "
        "where user_key = 'u_long' order by 1",
    )
    assert rows == [(1, 24 * 3600, 73), (2, 40 * 60, 3)]


def test_session_pages_bounce_and_duration(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select session_number, landing_page_path, exit_page_path, count_page_views,"
        " duration_seconds, is_bounce, count_events from marts.fct_sessions"
        " where user_key = 'u_pages' order by 1",
    )
    assert rows == [
        (1, "/home", "/pricing", 2, 600, False, 3),
        (2, "/docs", "/docs", 1, 0, True, 1),
    ]


def test_session_id_is_stable_across_rebuilds(warehouse: Path, tmp_path: Path) -> None:
    for name, events in scenarios.FILES.items():
        write_events(tmp_path / "events" / name, events)
    other = tmp_path / "other.duckdb"
    run = run_cli("run", "--events", str(tmp_path / "events"), "--warehouse", str(other))
    assert run.returncode == 0, run.stdout[-3000:]
    sql = "select event_id, session_id from marts.fct_events order by event_id"
    assert query(other, sql) == query(warehouse, sql)


def test_anonymous_events_before_and_after_identify_belong_to_the_user(
    warehouse: Path,
) -> None:
    rows = query(
        warehouse,
        "select event_id, user_key from marts.fct_events where event_id like 's5-%' order by 1",
    )
    assert rows == [("s5-1", "u_s5"), ("s5-2", "u_s5"), ("s5-3", "u_s5"), ("s5-4", "u_s5")]
    assert query(warehouse, "select count(*) from marts.dim_users where user_key = 'a_s5'") == [
        (0,)
    ]
    assert query(
        warehouse,
        "select user_id, count_events, count_anonymous_ids, is_identified from marts.dim_users"
        " where user_key = 'u_s5'",
    ) == [("u_s5", 4, 1, True)]


def test_anonymous_id_tied_to_two_users_keeps_the_first_and_is_audited(
    warehouse: Path,
) -> None:
    rows = query(
        warehouse,
        "select event_id, user_key from marts.fct_events where event_id like 's6-%' order by 1",
    )
    assert rows == [("s6-1", "u_s6a"), ("s6-2", "u_s6b"), ("s6-3", "u_s6a")]
    assert query(
        warehouse,
        "select anonymous_id, kept_user_id, count_user_ids from audit.identity_conflicts",
    ) == [("a_s6", "u_s6a", 2)]


def test_never_tied_anonymous_id_keeps_its_own_key(warehouse: Path) -> None:
    assert query(
        warehouse,
        "select user_key, user_id, is_identified, count_events from marts.dim_users"
        " where user_key = 'a_s7'",
    ) == [("a_s7", None, False, 2)]


def test_duplicate_keeps_the_copy_received_first(warehouse: Path) -> None:
    assert query(
        warehouse, "select received_at from marts.fct_events where event_id = 'dup-1'"
    ) == [(dt.datetime(2026, 1, 5, 10, 0, 1),)]
    rows = query(
        warehouse,
        "select file_path, count_loaded, count_duplicates from audit.load_reconciliation"
        " where file_path like 'dedup/%' order by 1",
    )
    assert rows == [("dedup/first.ndjson", 1, 0), ("dedup/second.ndjson", 0, 1)]


def test_signup_and_cohort_week(warehouse: Path) -> None:
    assert query(
        warehouse,
        "select first_seen_at, signed_up_at, cohort_week from marts.dim_users"
        " where user_key = 'u_s9'",
    ) == [(dt.datetime(2026, 1, 7, 9), dt.datetime(2026, 1, 11, 9), dt.date(2026, 1, 5))]


def test_days_since_last_seen_counts_from_the_last_event_date(warehouse: Path) -> None:
    # the warehouse's last event is u_s9's second signup on 2026-01-13; u_gap was last seen
    # on 2026-01-05: 8 days, under the 14 of inactive_after_days
    assert query(
        warehouse,
        "select days_since_last_seen, is_inactive from marts.dim_users where user_key = 'u_gap'",
    ) == [(8, False)]


def test_vars_change_the_timeout_and_the_reporting_timezone(
    warehouse: Path, tmp_path: Path
) -> None:
    for name, events in scenarios.FILES.items():
        write_events(tmp_path / "events" / name, events)
    other = tmp_path / "vars.duckdb"
    run = run_cli(
        "run",
        "--events",
        str(tmp_path / "events"),
        "--warehouse",
        str(other),
        "--vars",
        "{session_timeout_minutes: 45, reporting_timezone: America/Los_Angeles}",
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert [s for _, s, _ in sessions_of(other, "u_gap")] == [1, 1, 1]
    assert [s for _, s, _ in sessions_of(other, "u_gap45")] == [1, 1, 2]
    assert query(other, "select event_date from marts.fct_events where event_id = 'tz-1'") == [
        (dt.date(2026, 1, 5),)
    ]
    assert query(warehouse, "select event_date from marts.fct_events where event_id = 'tz-1'") == [
        (dt.date(2026, 1, 6),)
    ]
