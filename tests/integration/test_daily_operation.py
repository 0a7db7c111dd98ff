"""Daily operation: a 7-day backfill from the command line, the new-files sensor's job run
twice on the same files, and the freshness warning, on a small generated sample.

Two full builds in all (the backfill, the sensor's first run); the sensor's second run only
lands, which is what the acceptance item is about.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from tests.conftest import query, run_cli, table_counts

pytestmark = pytest.mark.integration

BACKFILL = ("2026-01-05", "2026-01-11")
RAW_TABLES = ("raw.events", "raw.load_manifest", "raw.identities", "audit.quarantine")


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """Nine days of events (2026-01-05 .. 13), the first seven backfilled by the CLI."""
    work = tmp_path_factory.mktemp("daily")
    events, warehouse = work / "events", work / "warehouse.duckdb"
    generated = run_cli(
        "generate", "--out", str(events), "--users", "30", "--days", "9", "--seed", "4"
    )
    assert generated.returncode == 0, generated.stderr
    backfill = run_cli(
        "backfill",
        "--from",
        BACKFILL[0],
        "--to",
        BACKFILL[1],
        "--events",
        str(events),
        "--warehouse",
        str(warehouse),
    )
    assert backfill.returncode == 0, backfill.stdout[-3000:] + backfill.stderr[-3000:]
    with pytest.MonkeyPatch.context() as patch:
        # the in-process runs below read the same folder and warehouse
        patch.setenv("USAGE_ANALYTICS_EVENTS_DIR", str(events))
        patch.setenv("USAGE_ANALYTICS_WAREHOUSE", str(warehouse))
        yield {"events": events, "warehouse": warehouse, "backfill": backfill}


def test_backfill_of_seven_partitions_lands_their_files_and_publishes(
    backfilled: dict[str, object],
) -> None:
    warehouse = backfilled["warehouse"]
    assert isinstance(warehouse, Path)
    landed = sorted(row[0] for row in query(warehouse, "select file_path from raw.load_manifest"))
    assert landed == [f"2026/01/{day:02d}/events-2026-01-{day:02d}.ndjson" for day in range(5, 12)]
    (event_dates,) = query(
        warehouse,
        "select count(distinct event_at::date) from raw.events where event_at::date "
        "between '2026-01-05' and '2026-01-11'",
    )
    assert event_dates[0] == 7
    (publications,) = query(warehouse, "select count(*) from audit.publications")
    assert publications[0] == 1
    (events_in_marts,) = query(warehouse, "select count(*) from marts.fct_events")
    assert events_in_marts[0] > 0
    output = str(backfilled["backfill"].stdout)
    assert "usage-analytics backfill: OK" in output
    assert "arrival dates 2026-01-05 .. 2026-01-11 (7 daily partition(s)); 2 file(s)" in output
    assert "landing     7 new file(s), 0 already landed" in output


def test_backfill_rejects_a_range_outside_the_partitions(tmp_path: Path) -> None:
    reversed_range = run_cli("backfill", "--from", "2026-01-11", "--to", "2026-01-05")
    assert reversed_range.returncode == 2 and "is after --to" in reversed_range.stderr
    early = run_cli("backfill", "--from", "2025-12-01", "--to", "2026-01-05")
    assert early.returncode == 2 and "before the first landing partition" in early.stderr


def test_running_the_sensors_job_twice_on_the_same_files_lands_nothing_new(
    backfilled: dict[str, object],
) -> None:
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    from orchestration.definitions import defs as load_definitions
    from orchestration.defs.landing.assets import RAW_EVENTS
    from orchestration.defs.landing.sensors import SENSOR_NAME

    defs = load_definitions()  # reads the environment the fixture set
    land_events = defs.resolve_assets_def(RAW_EVENTS)

    warehouse = backfilled["warehouse"]
    assert isinstance(warehouse, Path)
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    job = defs.resolve_job_def(sensor.job_name)

    def tick(instance: dg.DagsterInstance) -> Any:
        with dg.build_sensor_context(instance=instance, resources=defs.resources) as context:
            return sensor.evaluate_tick(context)

    with dg.instance_for_test() as instance:
        requests = tick(instance).run_requests
        assert requests is not None and len(requests) == 1
        request = requests[0]
        # the two days the backfill left out
        assert request.tags["dagster/asset_partition_range_start"] == "2026-01-12"
        assert request.tags["dagster/asset_partition_range_end"] == "2026-01-13"
        first = job.execute_in_process(instance=instance, tags=request.tags, raise_on_error=False)
        assert first.success
        after_first = table_counts(warehouse)
        landed = sorted(r[0] for r in query(warehouse, "select file_path from raw.load_manifest"))
        assert len(landed) == 9
        # the same run again (the sensor would not even ask: same files, same run key)
        second = job.execute_in_process(
            instance=instance,
            tags=request.tags,
            asset_selection=sorted(land_events.keys),
            raise_on_error=False,
        )
        assert second.success
        manifest = next(
            event.materialization.metadata
            for event in second.get_asset_materialization_events()
            if event.asset_key == dg.AssetKey(["raw", "load_manifest"])
        )
        assert manifest["files_landed"].value == 0
        assert manifest["files_skipped"].value == 2
        after_second = table_counts(warehouse)
        for table in RAW_TABLES:
            assert after_second[table] == after_first[table], table
        # and the sensor now finds nothing to do
        last = tick(instance)
        assert not last.run_requests
        assert last.skip_message and "no new file" in last.skip_message


def test_freshness_warns_after_the_configured_hours_without_blocking(
    backfilled: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.definitions import defs
    from orchestration.defs.jobs import FRESHNESS_JOB_NAME

    warehouse = backfilled["warehouse"]
    assert isinstance(warehouse, Path)

    def evaluate() -> dg.AssetCheckEvaluation:
        job = defs().resolve_job_def(FRESHNESS_JOB_NAME)  # settings as the environment has them
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
        assert result.success  # a warning never fails the run
        (evaluation,) = result.get_asset_check_evaluations()
        assert evaluation.severity == dg.AssetCheckSeverity.WARN
        return evaluation

    assert evaluate().passed  # just landed
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("update raw.load_manifest set landed_at = landed_at - interval 3 days")
    finally:
        con.close()
    stale = evaluate()
    assert not stale.passed and "more than 26 h" in str(stale.description)
    monkeypatch.setenv("USAGE_ANALYTICS_FRESHNESS_HOURS", str(24 * 4))
    assert evaluate().passed


def test_a_daemon_style_run_waits_for_a_command_holding_the_warehouse(
    backfilled: dict[str, object],
) -> None:
    """A run launched by Dagster (not through ``usage-analytics``, so without the command's
    lock) queues behind another process holding the warehouse's lock, then runs."""
    import multiprocessing

    from orchestration.definitions import defs
    from orchestration.defs.jobs import FRESHNESS_JOB_NAME
    from tests.unit.test_warehouse_lock import start_holder

    warehouse = backfilled["warehouse"]
    assert isinstance(warehouse, Path)
    holder = start_holder(warehouse, seconds=3)
    assert isinstance(holder, multiprocessing.process.BaseProcess)
    instance = dg.DagsterInstance.ephemeral()
    result = defs().resolve_job_def(FRESHNESS_JOB_NAME).execute_in_process(instance=instance)
    assert result.success
    # the run could only start once the holder let go, and the holder only lets go by ending
    holder.join(timeout=1)
    assert holder.exitcode == 0
    waited = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if "waiting for pid" in entry.user_message
    ]
    assert waited, "the run did not wait for the holder"
