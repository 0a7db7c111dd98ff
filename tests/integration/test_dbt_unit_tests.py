"""The dbt unit tests run in CI: production runs leave them out (``USAGE_ANALYTICS_DBT_UNIT_TESTS``
unset), so this test runs the pipeline once with them and checks that every one ran and passed."""

import json
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli, write_events

pytestmark = pytest.mark.integration

EVENTS = [
    {
        "event_id": "ut-1",
        "type": "page",
        "user_id": "u_ut",
        "timestamp": "2026-01-05T09:00:00Z",
        "context": {"page": {"path": "/home"}},
    },
    {
        "event_id": "ut-2",
        "type": "track",
        "event": "Signed Up",
        "user_id": "u_ut",
        "timestamp": "2026-01-05T09:01:00Z",
    },
]


def unit_test_count() -> int:
    manifest = json.loads((REPO_ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    return len(manifest.get("unit_tests", {}))


def finished_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Finished running")]
    assert lines, output[-3000:]
    return lines[-1]


def test_every_dbt_unit_test_runs_and_passes_when_enabled(tmp_path: Path) -> None:
    write_events(tmp_path / "events" / "day-1.ndjson", EVENTS)
    # -v: dbt's log (its "Finished running" line) on the terminal, not in the log file
    events, warehouse = tmp_path / "events", tmp_path / "w.duckdb"
    args = ("run", "-v", "--events", str(events), "--warehouse", str(warehouse))
    run = run_cli(*args, env={"USAGE_ANALYTICS_DBT_UNIT_TESTS": "1"})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    expected = unit_test_count()  # the manifest is parsed by the run above
    assert expected >= 30
    ran = re.search(r"(\d+) unit tests", finished_line(run.stdout + run.stderr))
    assert ran is not None and int(ran.group(1)) == expected
    assert "ERROR=0" in run.stdout + run.stderr

    # without the setting (production), the same build leaves them out
    again = run_cli(*args, env={"USAGE_ANALYTICS_DBT_UNIT_TESTS": "0"})
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert "unit test" not in finished_line(again.stdout + again.stderr)
