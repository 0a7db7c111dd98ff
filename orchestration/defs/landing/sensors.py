"""The sensor that starts a run when new files appear in the landing folder."""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.jobs import usage_analytics_job
from orchestration.defs.landing.partitions import partition_range_tags, partition_window
from orchestration.defs.resources import Landing, Scheduling, Warehouse
from usage_analytics.landing.arrival import arrival_date
from usage_analytics.landing.pending import files_key, unlanded_files
from usage_analytics.warehouse.lock import holder_of

SENSOR_NAME = "new_landing_files"


def evaluate_new_files(
    folder: Path, warehouse: Path, partitions_start: dt.date
) -> dg.RunRequest | dg.SkipReason:
    """A run request for the landing folder's unlanded files, or why there is none.

    The request covers the landing partitions (arrival dates) of the new files, from the
    earliest to the latest, and its run key is derived from the files' content hashes, so the
    same files never start a second run. Landing skips what is already landed, so a run that
    covers a date with older files lands only the new ones.
    """
    if not folder.is_dir():
        return dg.SkipReason(f"no landing folder at {folder}")
    holder = holder_of(warehouse)
    if holder is not None:
        return dg.SkipReason(f"the warehouse is in use by {holder}; looking again next tick")
    try:
        files = unlanded_files(folder, warehouse)
    except (duckdb.IOException, duckdb.ConnectionException):  # a writer holds the file
        return dg.SkipReason("another process is writing the warehouse; looking again next tick")
    if not files:
        return dg.SkipReason(f"no new file in {folder}")
    window = partition_window(partitions_start)
    dates = sorted(
        window.partition_of(arrival_date(file.path, file.relative_path)) for file in files
    )
    first, last = dates[0], dates[-1]
    return dg.RunRequest(
        run_key=f"new-files-{files_key(files)}",
        tags={
            **partition_range_tags(first, last),
            "usage_analytics/new_files": str(len(files)),
        },
    )


def new_landing_files_sensor(scheduling: Scheduling) -> dg.SensorDefinition:
    """Looks at the landing folder every USAGE_ANALYTICS_SENSOR_INTERVAL_SECONDS."""

    @dg.sensor(
        name=SENSOR_NAME,
        job=usage_analytics_job,
        minimum_interval_seconds=scheduling.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Starts the main job over the arrival dates of new files in the landing "
        "folder (content hashes not in raw.load_manifest); the same files never start two runs.",
    )
    def new_landing_files(
        context: dg.SensorEvaluationContext, warehouse: Warehouse, landing: Landing
    ) -> dg.RunRequest | dg.SkipReason:
        """See ``evaluate_new_files``."""
        result = evaluate_new_files(landing.folder, warehouse.path, scheduling.partitions_start)
        if isinstance(result, dg.RunRequest):
            context.log.info(
                f"{result.tags['usage_analytics/new_files']} new file(s), arrival dates"
                f" {result.tags['dagster/asset_partition_range_start']} .."
                f" {result.tags['dagster/asset_partition_range_end']}"
            )
        return result

    return new_landing_files
