"""The landing asset: new files of the landing folder into raw.* and audit.quarantine.

Partitioned by arrival date (``partitions.py``). A run for a partition or a range of them lands
the new files of those arrival dates; a run without a partition (``usage-analytics run``, the
daily schedule) lands every new file. Either way a file already landed (same content hash) is
skipped.
"""

import datetime as dt
from collections.abc import Callable, Iterator

import dagster as dg
import duckdb

from expectations.runner import import_in_background, wait_for_background_import
from orchestration.defs.landing.partitions import partition_window
from orchestration.defs.resources import DbtBuild, Landing, Warehouse
from orchestration.table_metadata import table_metadata
from usage_analytics.dbt_vars import timestamp_floor
from usage_analytics.landing.arrival import PartitionWindow, arrival_date
from usage_analytics.landing.files import LandingFile
from usage_analytics.landing.land import land_folder
from usage_analytics.paths import SEEDS_DIR

LANDING_GROUP = "landing"
LANDING_OWNERS = ["team:data-platform"]  # the dbt models' owners are in dbt_project.yml
RAW_EVENTS = dg.AssetKey(["raw", "events"])
# a busy warehouse file (another process writing) is retried; landing is idempotent
BUSY_RETRIES = 3
BUSY_RETRY_SECONDS = 30.0
# the start of the log message of each committed batch (the command line shows it as progress)
BATCH_PROGRESS_PREFIX = "landing batch"


LANDING_SPECS = [
    dg.AssetSpec(
        key,
        description=description,
        group_name=LANDING_GROUP,
        kinds={"duckdb"},
        owners=LANDING_OWNERS,
    )
    for key, description in (
        (RAW_EVENTS, "One row per valid landed line: typed, PII-hashed, ids as compact keys."),
        (["raw", "identities"], "Dictionary of user and anonymous ids to compact integer keys."),
        (["raw", "load_manifest"], "One row per landed file: path, content hash, line counts."),
        (["audit", "quarantine"], "One row per unusable line: file, line, raw text, reason."),
    )
]


def build_land_events(partitions: dg.DailyPartitionsDefinition) -> dg.AssetsDefinition:
    """The landing asset over the daily partitions by arrival date."""
    return dg.multi_asset(
        specs=LANDING_SPECS,
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )(land_events)


def land_events(
    context: dg.AssetExecutionContext, warehouse: Warehouse, landing: Landing, dbt_build: DbtBuild
) -> Iterator[dg.MaterializeResult]:
    """Lands the landing folder's new NDJSON files (CONTRACT §1).

    Files whose content hash is already in raw.load_manifest are skipped, so running twice
    lands nothing new. Valid lines go to raw.events, the rest to audit.quarantine with a
    reason; each batch commits in one transaction. A partitioned run (one arrival date or a
    range) lands only the files of its arrival dates; a run without a partition lands all.
    When another process holds the warehouse file, the step is retried (idempotent).
    """
    import_in_background()  # the landing gate's Great Expectations import overlaps landing
    folder = landing.folder
    select, partitions = _partition_filter(context)
    try:
        with warehouse.get_connection() as con:
            result = land_folder(
                con,
                folder,
                pii_salt=landing.pii_salt,
                timestamp_floor=timestamp_floor(dbt_build.effective_vars()),
                tracking_plan_csv=SEEDS_DIR / "tracking_plan.csv",
                personal_keys_csv=SEEDS_DIR / "personal_keys.csv",
                batch_bytes=landing.batch_bytes,
                select=select,
                max_clock_skew=landing.max_clock_skew,
                on_batch=lambda so_far, number, count: context.log.info(
                    f"{BATCH_PROGRESS_PREFIX} {number}/{count} committed:"
                    f" {so_far.count_files_landed} file(s), {so_far.count_lines:,} lines so far"
                ),
            )
            tables = {
                spec.key: table_metadata(con, *spec.key.path) for spec in context.assets_def.specs
            }
    except duckdb.IOException as error:  # the file is locked by another writer: transient
        raise dg.RetryRequested(
            max_retries=BUSY_RETRIES, seconds_to_wait=BUSY_RETRY_SECONDS
        ) from error
    finally:
        # no step after this one imports anything while GX's import runs in the other thread
        wait_for_background_import()
    context.log.info(
        f"landed {result.count_files_landed} file(s) from {folder} ({partitions}):"
        f" {result.count_lines} lines, {result.count_landed} valid,"
        f" {result.count_quarantined} quarantined; {len(result.files_skipped)} file(s) already"
        f" landed, {len(result.files_not_selected)} of other arrival dates"
    )
    metadata = {
        "load_id": result.load_id,
        "partitions": partitions,
        "files_landed": result.count_files_landed,
        "files_skipped": len(result.files_skipped),
        "files_not_selected": len(result.files_not_selected),
        "files_unreadable": dg.MetadataValue.json(result.files_unreadable),
        "files_truncated": dg.MetadataValue.json(result.files_truncated),
        "count_lines": result.count_lines,
        "count_landed": result.count_landed,
        "count_quarantined": result.count_quarantined,
        "count_already_quarantined": result.count_already_quarantined,
        "quarantined_by_reason": dg.MetadataValue.json(result.quarantined_by_reason),
    }
    for spec in context.assets_def.specs:
        yield dg.MaterializeResult(asset_key=spec.key, metadata={**metadata, **tables[spec.key]})
    if not context.has_partition_key_range:
        _record_arrival_dates(context, result.arrival_dates)


def _record_arrival_dates(context: dg.AssetExecutionContext, dates: set[dt.date]) -> None:
    """Marks the partitions of the arrival dates a run without a partition landed files of.

    Such a run lands every new file; recording the dates it actually landed (not every
    partition since the start, which cost four events per day of history, planned and
    materialized, about 30 s of SQLite writes per run by December) keeps the UI's partition
    status true: a partition is filled once files of its date have landed.
    """
    window = _window(context)
    for partition in sorted({window.partition_of(date) for date in dates}):
        for spec in context.assets_def.specs:
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=spec.key,
                    partition=partition.isoformat(),
                    description="files of this arrival date landed by a run of all new files",
                )
            )


def _partition_filter(
    context: dg.AssetExecutionContext,
) -> tuple[Callable[[LandingFile], bool] | None, str]:
    """Which files the run lands (None: all) and a description of its partitions."""
    if not context.has_partition_key_range:
        return None, "all arrival dates"
    key_range = context.partition_key_range
    first, last = dt.date.fromisoformat(key_range.start), dt.date.fromisoformat(key_range.end)
    window = _window(context)

    def select(file: LandingFile) -> bool:
        arrived = arrival_date(file.path, file.relative_path)
        return first <= window.partition_of(arrived) <= last

    return select, f"arrival dates {first} .. {last}"


def _window(context: dg.AssetExecutionContext) -> PartitionWindow:
    """The landing partitions' first and last (today's) dates."""
    partitions = context.assets_def.partitions_def
    assert isinstance(partitions, dg.DailyPartitionsDefinition)
    return partition_window(partitions.start.date())
