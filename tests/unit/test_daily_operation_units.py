"""Arrival dates, the partition window, freshness, the new-files sensor and the instance config."""

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.landing.sensors import evaluate_new_files
from tests.conftest import write_events
from usage_analytics.landing.arrival import PartitionWindow, arrival_date
from usage_analytics.paths import REPO_ROOT
from usage_analytics.quality.freshness import freshness
from usage_analytics.warehouse.lock import exclusive_warehouse
from usage_analytics.warehouse.schema import ensure_schema

PARTITIONS_START = dt.date(2026, 1, 1)
EVENT = {"event": "Page Viewed", "user_id": "u1", "timestamp": "2026-01-05T10:00:00Z"}


def _touch(path: Path, modified: dt.datetime | None = None) -> Path:
    write_events(path, [{**EVENT, "event_id": str(path)}])  # one content per file
    if modified is not None:
        stamp = modified.timestamp()
        os.utime(path, (stamp, stamp))
    return path


def test_arrival_date_comes_from_the_date_folders(tmp_path: Path) -> None:
    path = _touch(tmp_path / "2026/01/07/events-2026-01-07.ndjson")
    assert arrival_date(path, "2026/01/07/events-2026-01-07.ndjson") == dt.date(2026, 1, 7)
    deeper = _touch(tmp_path / "segment/2026/02/03/part-1.jsonl")
    assert arrival_date(deeper, "segment/2026/02/03/part-1.jsonl") == dt.date(2026, 2, 3)


def test_arrival_date_falls_back_to_the_modification_date_in_utc(tmp_path: Path) -> None:
    modified = dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    flat = _touch(tmp_path / "export.ndjson", modified)
    assert arrival_date(flat, "export.ndjson") == dt.date(2026, 3, 5)  # 04:30 UTC next day
    not_a_date = _touch(tmp_path / "2026/13/45/x.ndjson", modified)
    assert arrival_date(not_a_date, "2026/13/45/x.ndjson") == dt.date(2026, 3, 5)


def test_partition_window_clamps_to_the_first_and_last_partition() -> None:
    window = PartitionWindow(first=dt.date(2026, 1, 1), last=dt.date(2026, 11, 30))
    assert window.partition_of(dt.date(2025, 6, 1)) == dt.date(2026, 1, 1)
    assert window.partition_of(dt.date(2026, 5, 5)) == dt.date(2026, 5, 5)
    assert window.partition_of(dt.date(2027, 1, 1)) == dt.date(2026, 11, 30)


def _warehouse_landed_at(path: Path, landed_at: dt.datetime | None) -> Path:
    con = duckdb.connect(str(path))
    try:
        ensure_schema(con)
        if landed_at is not None:
            con.execute(
                "insert into raw.load_manifest (load_id, file_path, content_hash,"
                " file_size_bytes, status, error, count_lines, count_landed, count_quarantined,"
                " landed_at, file_modified_ns) values "
                "('l1', 'a.ndjson', 'h1', 10, 'landed', null, 5, 5, 0, $1, null), "
                "('l2', 'b.ndjson', 'h2', 10, 'landed', null, 5, 0, 5, $2, null)",
                # a later file that brought no valid event does not make the landing fresh
                [landed_at, landed_at + dt.timedelta(hours=30)],
            )
    finally:
        con.close()
    return path


@pytest.mark.parametrize(
    ("hours_ago", "fresh"), [(None, False), (2.0, True), (25.9, True), (26.1, False), (72.0, False)]
)
def test_freshness_of_the_latest_landing_with_events(
    tmp_path: Path, hours_ago: float | None, fresh: bool
) -> None:
    now = dt.datetime(2026, 11, 30, 12, 0)
    landed_at = None if hours_ago is None else now - dt.timedelta(hours=hours_ago)
    con = duckdb.connect(str(_warehouse_landed_at(tmp_path / "w.duckdb", landed_at)))
    try:
        result = freshness(con, 26.0, now=now)
    finally:
        con.close()
    assert result.is_fresh is fresh
    assert ("within" in result.describe()) is fresh


def test_sensor_requests_one_run_over_the_new_files_arrival_dates(tmp_path: Path) -> None:
    events, warehouse = tmp_path / "events", tmp_path / "w.duckdb"
    for day in ("2026/01/07", "2026/01/05", "2026/01/09"):
        _touch(events / day / f"events-{day.replace('/', '-')}.ndjson")
    # same content as the 01/05 file: one content, one landing
    (events / "copy").mkdir()
    (events / "copy" / "again.ndjson").write_bytes(
        (events / "2026/01/05/events-2026-01-05.ndjson").read_bytes()
    )
    request = evaluate_new_files(events, warehouse, PARTITIONS_START)
    assert isinstance(request, dg.RunRequest)
    assert request.tags["dagster/asset_partition_range_start"] == "2026-01-05"
    assert request.tags["dagster/asset_partition_range_end"] == "2026-01-09"
    assert request.tags["usage_analytics/new_files"] == "3"
    again = evaluate_new_files(events, warehouse, PARTITIONS_START)
    assert isinstance(again, dg.RunRequest) and again.run_key == request.run_key


def test_sensor_skips_when_nothing_is_new_or_the_warehouse_is_busy(tmp_path: Path) -> None:
    events, warehouse = tmp_path / "events", tmp_path / "w.duckdb"
    _warehouse_landed_at(warehouse, dt.datetime(2026, 1, 5))  # manifest holds hashes h1, h2
    assert isinstance(
        evaluate_new_files(events, warehouse, PARTITIONS_START), dg.SkipReason
    )  # no dir
    events.mkdir()
    skip = evaluate_new_files(events, warehouse, PARTITIONS_START)
    assert isinstance(skip, dg.SkipReason) and "no new file" in skip.skip_message
    _touch(events / "2026/01/05/a.ndjson")
    with exclusive_warehouse(warehouse, timeout_seconds=1):
        busy = evaluate_new_files(events, warehouse, PARTITIONS_START)
    assert isinstance(busy, dg.SkipReason) and "in use" in busy.skip_message
    writer = duckdb.connect(str(warehouse))  # a writer holds the file: no read-only connection
    try:
        writing = evaluate_new_files(events, warehouse, PARTITIONS_START)
    finally:
        writer.close()
    assert isinstance(writing, dg.SkipReason) and "writing" in writing.skip_message
    assert isinstance(evaluate_new_files(events, warehouse, PARTITIONS_START), dg.RunRequest)


def test_dagster_home_queues_warehouse_runs_and_retries_crashed_runs() -> None:
    instance = dg.DagsterInstance.from_config(str(REPO_ROOT / ".dagster_home"))
    try:
        queue = instance.get_concurrency_config().run_queue_config
        assert queue is not None
        assert {"key": "usage_analytics/warehouse", "value": "writer", "limit": 1} in list(
            queue.tag_concurrency_limits
        )
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        assert not instance.run_retries_retry_on_asset_or_op_failure
    finally:
        instance.dispose()


def test_a_run_that_gives_up_waiting_for_the_warehouse_is_retried_not_a_step_failure(
    tmp_path: Path,
) -> None:
    """A run that waited ``lock_timeout_seconds`` for another holder fails while its warehouse
    resource starts, before any step: Dagster records that as a run exception, which the run
    retries of ``.dagster_home/dagster.yaml`` start again (they skip only step failures). A busy
    warehouse is transient, so the run queues again instead of being lost."""
    from dagster._core.events import RunFailureReason

    from orchestration.defs.resources import Warehouse
    from tests.unit.test_warehouse_lock import start_holder

    warehouse = tmp_path / "w.duckdb"
    steps: list[str] = []

    @dg.asset
    def reads_the_warehouse(warehouse: Warehouse) -> None:
        steps.append("ran")

    job = dg.define_asset_job("busy_warehouse_job", executor_def=dg.in_process_executor)
    defs = dg.Definitions(
        assets=[reads_the_warehouse],
        jobs=[job],
        resources={"warehouse": Warehouse(database=str(warehouse), lock_timeout_seconds=0.5)},
    )
    holder = start_holder(warehouse, seconds=10)
    instance = dg.DagsterInstance.ephemeral()
    try:
        result = defs.resolve_job_def("busy_warehouse_job").execute_in_process(
            instance=instance, raise_on_error=False
        )
    finally:
        holder.kill()
        holder.join()
        instance.dispose()
    assert not result.success and steps == []
    (failure,) = [event for event in result.all_events if event.is_run_failure]
    assert failure.job_failure_data is not None
    assert failure.job_failure_data.failure_reason == RunFailureReason.RUN_EXCEPTION
    error = failure.job_failure_data.error
    assert error is not None and f"in use by pid {holder.pid}" in error.to_string()


def test_a_run_of_every_new_file_is_unpartitioned_and_a_backfill_covers_its_range() -> None:
    """A plain run records one materialization per landing asset, not one per day since
    the partitions start (thousands of events, minutes of SQLite writes within a year)."""
    from orchestration.run import _partition_tags

    assert _partition_tags(None) is None
    assert _partition_tags((dt.date(2026, 1, 5), dt.date(2026, 1, 9))) == {
        "dagster/asset_partition_range_start": "2026-01-05",
        "dagster/asset_partition_range_end": "2026-01-09",
    }
