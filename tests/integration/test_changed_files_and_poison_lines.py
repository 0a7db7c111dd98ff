"""Changed landing files and poison lines, end to end through `usage-analytics` (CONTRACT §1).

One warehouse goes through five stages: `run` on a file; `run` after lines were appended to it;
`run` after it was rewritten (one line changed, its bad line kept); a line that an older version
landed although its `received_at` lies in the future, on which `run` fails the landing gate;
and `quarantine --event-id` of that line, which publishes again. After each stage every landed
file reconciles (dbt's `audit.load_reconciliation`) and no quarantine row is duplicated.
"""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import query, run_cli, write_events

pytestmark = pytest.mark.integration


def track(event_id: str, minute: int, **fields: object) -> dict[str, object]:
    return {
        "event_id": event_id,
        "event": "Project Created",
        "user_id": "user-1",
        "timestamp": f"2026-01-05T10:{minute:02d}:00Z",
        **fields,
    }


FIRST = [track("e-1", 1), track("e-2", 2), "not json", track("e-3", 3)]
APPENDED = [*FIRST, track("e-4", 4), "{oops", track("e-2", 5)]  # e-2 re-sent
REWRITTEN = [*APPENDED[:5], "{oops!", track("e-2", 5), track("e-6", 6)]
POISON = track(
    "poison",
    7,
    user_id=None,
    anonymous_id="device-1",
    timestamp="2099-01-01T00:00:00Z",
    received_at="2099-01-01T00:00:00Z",
)


def write_lines(path: Path, lines: list[object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")


def snapshot(warehouse: Path, returncode: int, output: str) -> dict[str, object]:
    return {
        "returncode": returncode,
        "output": output,
        "reconciliation": query(
            warehouse,
            "select file_path, count_lines, count_loaded, count_duplicates, count_quarantined,"
            " is_reconciled from audit.load_reconciliation order by landed_at, file_path",
        ),
        "quarantine": query(
            warehouse,
            "select file_path, line_number, reason, raw_line from audit.quarantine"
            " order by file_path, line_number, raw_line",
        ),
        "fct_events": query(
            warehouse, "select event_id from marts.fct_events order by event_at, event_id"
        ),
    }


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    work = tmp_path_factory.mktemp("changed_files")
    events, warehouse = work / "events", work / "warehouse.duckdb"
    day = events / "2026" / "01" / "05" / "day.ndjson"
    options = ["--events", str(events), "--warehouse", str(warehouse)]
    found: dict[str, dict[str, object]] = {}

    def run(stage: str, *args: str) -> None:
        done = run_cli(*args)
        found[stage] = snapshot(warehouse, done.returncode, done.stdout + done.stderr)

    write_lines(day, FIRST)
    run("first", "run", *options)
    write_lines(day, APPENDED)
    run("appended", "run", *options)
    write_lines(day, REWRITTEN)
    run("rewritten", "run", *options)

    # an older version landed the poison line (it allowed any clock skew)
    from orchestration.defs.resources import DEV_PII_SALT
    from usage_analytics.landing.land import land_folder

    write_events(events / "2026" / "01" / "06" / "poison.ndjson", [POISON, track("e-7", 8)])
    con = duckdb.connect(str(warehouse))
    try:
        land_folder(
            con,
            events,
            pii_salt=DEV_PII_SALT,
            timestamp_floor=dt.date(2000, 1, 1),
            max_clock_skew=dt.timedelta(days=36_500),
        )
    finally:
        con.close()
    run("poisoned", "run", *options)
    run("quarantined", "quarantine", "--event-id", "poison", "--warehouse", str(warehouse))
    return found


def test_every_stage_but_the_poisoned_one_publishes(stages: dict[str, dict[str, object]]) -> None:
    codes = {stage: found["returncode"] for stage, found in stages.items()}
    assert codes == {"first": 0, "appended": 0, "rewritten": 0, "poisoned": 1, "quarantined": 0}, {
        stage: found["output"][-3000:] for stage, found in stages.items()
    }


def test_appended_lines_count_once(stages: dict[str, dict[str, object]]) -> None:
    day = "2026/01/05/day.ndjson"
    assert stages["appended"]["reconciliation"] == [
        (day, 4, 3, 0, 1, True),
        (day, 3, 1, 1, 1, True),  # e-4 loaded, the re-sent e-2 a duplicate, {oops quarantined
    ]
    assert stages["appended"]["quarantine"] == [
        (day, 3, "invalid_json", "not json"),
        (day, 6, "invalid_json", "{oops"),
    ]


def test_a_rewritten_file_lands_again_without_duplicate_quarantine_rows(
    stages: dict[str, dict[str, object]],
) -> None:
    day = "2026/01/05/day.ndjson"
    reconciliation = stages["rewritten"]["reconciliation"]
    # lines 1-5 and 7 are copies, "not json" is already quarantined: 6 duplicates
    assert reconciliation[-1] == (day, 8, 1, 6, 1, True)
    assert stages["rewritten"]["quarantine"] == [
        (day, 3, "invalid_json", "not json"),
        (day, 6, "invalid_json", "{oops"),
        (day, 6, "invalid_json", "{oops!"),
    ]
    assert stages["rewritten"]["fct_events"] == [
        ("e-1",),
        ("e-2",),
        ("e-3",),
        ("e-4",),
        ("e-6",),
    ]


def test_every_landed_file_reconciles_at_every_stage(stages: dict[str, dict[str, object]]) -> None:
    for stage, found in stages.items():
        assert all(row[-1] for row in found["reconciliation"]), (stage, found["reconciliation"])


def test_a_poison_line_is_removed_by_its_event_id(stages: dict[str, dict[str, object]]) -> None:
    assert "gx_landing_batch" in stages["poisoned"]["output"]
    assert ("e-7",) not in stages["poisoned"]["fct_events"]  # nothing new published
    quarantined = stages["quarantined"]
    assert ("e-7",) in quarantined["fct_events"]
    assert ("poison",) not in quarantined["fct_events"]
    moved = [row for row in quarantined["quarantine"] if row[2] == "quarantined_by_operator"]
    assert [(path, line) for path, line, _, _ in moved] == [("2026/01/06/poison.ndjson", 1)]
    assert "1 landed line(s) moved" in quarantined["output"]


def test_quarantine_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    """Exit 2 with one line, nothing moved: no warehouse, an empty id, an id not landed."""
    from usage_analytics.warehouse.schema import ensure_schema

    warehouse = tmp_path / "warehouse.duckdb"
    missing = run_cli("quarantine", "--event-id", "x", "--warehouse", str(warehouse))
    con = duckdb.connect(str(warehouse))
    ensure_schema(con)
    con.close()
    empty = run_cli("quarantine", "--event-id", " ", "--warehouse", str(warehouse))
    unknown = run_cli("quarantine", "--event-id", "nope", "--warehouse", str(warehouse))
    for done, message in [
        (missing, "no warehouse at"),
        (empty, "--event-id is empty"),
        (unknown, "no landed event has the id(s) nope: nothing moved"),
    ]:
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("usage-analytics quarantine: "), done.stderr
        assert message in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
