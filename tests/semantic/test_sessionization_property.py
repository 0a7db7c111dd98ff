"""Property: for any event history, sessions equal a direct reading of CONTRACT §6.

The reference below walks each user's events in (event_at, event_id) order and starts a session
at the first event, after a gap strictly over the timeout, or once the session has lasted
strictly over the max length. Hypothesis draws many users' histories per example (gaps drawn
mostly at and around the boundaries); all of one example's users land and build in one run.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import query, run_cli, write_events

pytestmark = pytest.mark.integration

TIMEOUT = dt.timedelta(minutes=30)
MAX_LENGTH = dt.timedelta(hours=1)  # small, so that cuts happen often
START = dt.datetime(2026, 3, 2, 8)

boundary_gaps = st.sampled_from([0, 1, 1799, 1800, 1801, 3599, 3600, 3601]).map(
    lambda seconds: dt.timedelta(seconds=seconds)
)
any_gaps = st.integers(min_value=0, max_value=3 * 3600).map(lambda s: dt.timedelta(seconds=s))
history = st.lists(st.one_of(boundary_gaps, boundary_gaps, any_gaps), min_size=1, max_size=12)


def reference_sessions(
    times: list[tuple[dt.datetime, str]], timeout: dt.timedelta, max_length: dt.timedelta
) -> dict[str, int]:
    """event_id -> session number, read straight from the contract."""
    numbers: dict[str, int] = {}
    number, started, previous = 0, None, None
    for event_at, event_id in sorted(times):
        if previous is None or event_at - previous > timeout or event_at - started > max_length:
            number += 1
            started = event_at
        previous = event_at
        numbers[event_id] = number
    return numbers


@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories=st.lists(history, min_size=60, max_size=80), reverse=st.booleans())
def test_sessions_match_the_reference(
    histories: list[list[dt.timedelta]], reverse: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("property")
    events, expected = [], {}
    for user, gaps in enumerate(histories):
        times, event_at = [], START
        for position, gap in enumerate(gaps):
            event_at += gap
            times.append((event_at, f"u{user:03d}-e{position:02d}"))
        expected.update(reference_sessions(times, TIMEOUT, MAX_LENGTH))
        events += [
            {
                "event_id": event_id,
                "type": "track",
                "event": "Report Created",
                "user_id": f"u{user:03d}",
                "timestamp": event_at.isoformat() + "Z",
            }
            for event_at, event_id in times
        ]
    if reverse:  # arrival order must not matter
        events.reverse()
    write_events(work / "events" / "history.ndjson", events)
    warehouse = work / "warehouse.duckdb"
    run = run_cli(
        "run",
        "--events",
        str(work / "events"),
        "--warehouse",
        str(warehouse),
        "--vars",
        "{session_timeout_minutes: 30, max_session_hours: 1}",
    )
    assert run.returncode == 0, run.stdout[-3000:]
    actual = dict(query(warehouse, "select event_id, session_number from marts.fct_events"))
    assert actual == expected
    # every session is within the max length and consecutive events within the timeout
    (too_long,) = query(
        warehouse, "select count(*) from marts.fct_sessions where duration_seconds > 3600"
    )[0]
    assert too_long == 0


def test_reference_itself_on_a_hand_worked_case() -> None:
    # 08:00, 08:30 (gap = timeout: same), 09:00:01 (over the 1 h max: new), 09:31 (gap 30:59: new)
    times = [
        (START, "a"),
        (START + dt.timedelta(minutes=30), "b"),
        (START + dt.timedelta(hours=1, seconds=1), "c"),
        (START + dt.timedelta(hours=1, minutes=31), "d"),
    ]
    assert reference_sessions(times, TIMEOUT, MAX_LENGTH) == {"a": 1, "b": 1, "c": 2, "d": 3}
