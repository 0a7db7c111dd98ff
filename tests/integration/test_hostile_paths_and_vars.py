"""Paths with quotes, spaces and non-ASCII characters work (issue 17 item 6), and validated
vars reach dbt as typed values (item 5): one full run into such a warehouse."""

from pathlib import Path

from tests.conftest import query, run_cli, write_events


def _event(event_id: str, name: str, at: str) -> dict[str, object]:
    return {"event_id": event_id, "event": name, "user_id": "u1", "timestamp": at}


def test_a_run_into_a_quoted_non_ascii_path_with_vars_publishes(tmp_path: Path) -> None:
    events = tmp_path / "ev 'quote' dir" / "l'été"
    warehouse = tmp_path / "it's a wärehouse dir" / "wh 'q'.duckdb"
    # gaps of 40 and 50 minutes: with a 45-minute timeout, sessions of 2 and 1 events
    write_events(
        events / "day 'one'.ndjson",
        [
            _event("e1", "Signed Up", "2026-01-05T05:00:00Z"),
            _event("e2", "Project Created", "2026-01-05T05:40:00Z"),
            _event("e3", "Report Created", "2026-01-05T06:30:00Z"),
        ],
    )
    result = run_cli(
        "run",
        "--events",
        str(events.parent),
        "--warehouse",
        str(warehouse),
        "--vars",
        "{session_timeout_minutes: 45, reporting_timezone: America/Los_Angeles,"
        " signup_event: project_created}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sessions = sorted(
        query(warehouse, "select session_number, count_events from marts.fct_sessions")
    )
    assert sessions == [(1, 2), (2, 1)]
    # the signup is the var's event; days are Los Angeles days (05:00 UTC is 21:00 the day before)
    users = query(warehouse, "select signed_up_at from marts.dim_users")
    assert [str(row[0]) for row in users] == ["2026-01-05 05:40:00"]
    dates = query(warehouse, "select distinct event_date from marts.fct_events")
    assert [str(row[0]) for row in dates] == ["2026-01-04"]
    files = query(warehouse, "select file_path from raw.load_manifest")
    assert files and "day 'one'.ndjson" in files[0][0]
