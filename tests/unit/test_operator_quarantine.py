"""`usage-analytics quarantine --event-id ID` (usage_analytics/landing/operator_quarantine.py):
any landed line can be moved out of raw.events by its event id, whatever ids it carries, and
every landed file still reconciles."""

import datetime as dt
from pathlib import Path

import pytest

from tests.unit.landing_helpers import DROP, NOW, event, events, land, quarantine, rows, write_lines
from usage_analytics.landing.operator_quarantine import OPERATOR_REASON, quarantine_events

POISON = event(
    event_id="poison",
    user_id=DROP,
    anonymous_id="device-1",
    timestamp="2099-01-01T00:00:00Z",
    received_at="2099-01-01T00:00:00Z",
)
CENTURY = dt.timedelta(days=36_500)  # the clock skew an older version allowed: any


def test_a_landed_anonymous_event_is_moved_to_quarantine(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="1"), POISON, "bad", POISON])
    con, _ = land(tmp_path, folder, max_clock_skew=CENTURY)
    assert [e["event_id"] for e in events(con)] == ["1", "poison", "poison"]

    moved_at = NOW + dt.timedelta(days=1)
    result = quarantine_events(con, [" poison ", "never-landed"], now=moved_at)

    assert result.count_lines_moved == 2
    assert result.event_ids_not_found == ["never-landed"]
    assert [e["event_id"] for e in events(con)] == ["1"]
    moved = [q for q in quarantine(con) if q["reason"] == OPERATOR_REASON]
    assert [(q["file_path"], q["line_number"]) for q in moved] == [("a.jsonl", 2), ("a.jsonl", 4)]
    for row in moved:
        assert '"anonymous_id":"device-1"' in row["raw_line"]
        assert row["removed_from_raw_at"] == row["quarantined_at"] == moved_at
    # the load-time counts still add up: what is in raw.events now plus what was moved out
    (manifest,) = rows(
        con, "select count_lines, count_landed, count_quarantined from raw.load_manifest"
    )
    assert manifest == {"count_lines": 4, "count_landed": 3, "count_quarantined": 1}
    assert len(events(con)) + len(moved) == manifest["count_landed"]


def test_no_event_id_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event()])
    con, _ = land(tmp_path, folder)
    with pytest.raises(ValueError, match="no event id"):
        quarantine_events(con, [" "])
    assert len(events(con)) == 1


def test_the_landing_gate_allows_the_clock_skew_landing_allows(tmp_path: Path) -> None:
    """A line landing accepts (received_at within the skew, its timestamp a day after that)
    passes the landing gate: landing and gate agree, so such a line cannot block."""
    from orchestration.defs.quality.checks import _batch_check, read_pending
    from orchestration.defs.resources import Landing, QualityGates

    ahead = NOW + dt.timedelta(minutes=4)
    line = event(
        event_id="ahead",
        received_at=ahead.isoformat(),
        timestamp=(ahead + dt.timedelta(days=1)).isoformat(),
    )
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [line])
    con, result = land(tmp_path, folder)
    assert [e["event_id"] for e in events(con)] == ["ahead"]
    pending = read_pending(con, result.load_id, trailing_batches=7)
    floor, skew = dt.datetime(2000, 1, 1), Landing().max_clock_skew
    check = _batch_check(con, pending, QualityGates(), floor, skew)
    assert check.passed, check.description
