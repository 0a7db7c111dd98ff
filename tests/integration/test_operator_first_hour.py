"""An operator's first hour: the UI loads without an activated virtualenv, a command's run is
recorded in the project's Dagster instance, ``--json`` prints one object, a run is OK only when
it built and published the marts (whatever ``DBT_QUIET`` says), and a warning is no failure.

One run serves the module: ``run --json`` recorded in a temporary DAGSTER_HOME, with dbt's
logging silenced from the environment and a freshness threshold that must warn.
"""

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import copy_project, query, run_cli

pytestmark = pytest.mark.integration

ANSI = re.compile(r"\x1b\[")
# what once made a run report OK with nothing built or published
DBT_LOGGING_ENV = {"DBT_QUIET": "true", "DBT_LOG_LEVEL": "none", "DBT_PRINTER_WIDTH": "20"}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """``run --json`` recorded in a fresh Dagster instance."""
    work = tmp_path_factory.mktemp("first_hour")
    events, warehouse, home = work / "events", work / "warehouse.duckdb", work / "dagster_home"
    generated = run_cli("generate", "--out", str(events), "--users", "30", "--days", "4")
    assert generated.returncode == 0, generated.stderr
    result = run_cli(
        "run",
        "--json",
        "--events",
        str(events),
        "--warehouse",
        str(warehouse),
        env={
            "USAGE_ANALYTICS_EPHEMERAL_INSTANCE": "0",
            "DAGSTER_HOME": str(home),
            "USAGE_ANALYTICS_FRESHNESS_HOURS": "0.0001",  # 0.36 s: the check must warn
            **DBT_LOGGING_ENV,
        },
    )
    return {"result": result, "warehouse": warehouse, "home": home, "events": events}


def test_json_prints_one_object_on_stdout(recorded: dict[str, object]) -> None:
    result = recorded["result"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(result.stdout)  # the whole of stdout is one JSON object
    assert summary["status"] == "OK" and summary["success"] is True
    assert summary["warehouse"] == str(recorded["warehouse"])
    log = Path(summary["log_file"]).read_text(encoding="utf-8")
    assert "Running with dbt" in log and not ANSI.search(log)
    # the profile is the same for every warehouse: the project's parse carries over
    assert "Unable to do partial parsing" not in log


def test_a_run_is_ok_only_with_every_mart_built_and_published_whatever_dbt_quiet_says(
    recorded: dict[str, object],
) -> None:
    summary = json.loads(recorded["result"].stdout)
    warehouse = recorded["warehouse"]
    marts = [
        row[0]
        for row in query(
            warehouse,
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1",
        )
    ]
    assert summary["marts_expected"] == marts and len(marts) == 23
    assert summary["marts_not_published"] == []
    assert query(warehouse, "select publication_id, count_tables from audit.publications") == [
        (summary["published"], 23)
    ]
    assert all(summary["mart_rows"][mart] >= 0 for mart in marts)
    assert summary["mart_rows"]["fct_events"] > 0


def test_a_freshness_warning_is_not_a_failed_check(recorded: dict[str, object]) -> None:
    summary = json.loads(recorded["result"].stdout)
    assert "raw/events:events_freshness" in summary["checks_warned"]
    assert summary["checks_failed"] == []


def test_a_command_run_is_recorded_in_the_dagster_instance(recorded: dict[str, object]) -> None:
    summary = json.loads(recorded["result"].stdout)
    assert summary["instance"] == str(recorded["home"])
    with dg.DagsterInstance.from_config(str(recorded["home"])) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS
        for name in summary["marts_expected"]:
            assert instance.get_latest_materialization_event(dg.AssetKey(["marts", name])), name
        checks = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        assert len(checks) == summary["checks_passed"] + len(summary["checks_warned"])
        # the run landed every new file: the partitions of their arrival dates are filled
        # (YYYY/MM/DD folders, clamped to the partitions 2026-01-01 .. today), no other
        today = dt.datetime.now(dt.UTC).date()
        arrived = {
            min(
                max(
                    dt.date(*map(int, day.relative_to(recorded["events"]).parts)),
                    dt.date(2026, 1, 1),
                ),
                today,
            ).isoformat()
            for day in recorded["events"].glob("*/*/*")
        }
        assert len(arrived) >= 1
        for key in (["raw", "events"], ["raw", "load_manifest"]):
            assert instance.get_materialized_partitions(dg.AssetKey(key)) == arrived


def test_the_code_location_loads_without_the_virtualenv_on_path(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")  # no target/: loading must parse with dbt
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate"]
        + ["-m", "orchestration.definitions"],
        capture_output=True,
        text=True,
        cwd=project,
        env={
            "PATH": "/usr/bin:/bin",  # no virtualenv: `dbt` is not on PATH
            "HOME": str(tmp_path),
            "PYTHONPATH": str(project),
            "DAGSTER_HOME": str(tmp_path),
            "DAGSTER_IS_DEV_CLI": "1",  # as `dagster dev` (make dev) loads it
        },
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (project / "dbt_project" / "target" / "manifest.json").is_file()
