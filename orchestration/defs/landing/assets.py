"""The landing asset: new files of the landing folder into raw.* and audit.quarantine.

Partitioned by arrival date (``partitions.py``). A run for a partition or a range of them lands
the new files of those arrival dates; a run without a partition (``usage-analytics run``, the
daily schedule) lands every new file. Either way a file already landed (same content hash) is
skipped.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from expectations.runner import import_in_background
from orchestration.defs.landing.partitions import landing_partitions, partition_window
from orchestration.lib.dbt_vars import effective_vars, timestamp_floor
from orchestration.lib.landing import land_folder
from orchestration.lib.landing.arrival import arrival_date
from orchestration.lib.landing.files import LandingFile
from orchestration.lib.settings import SEEDS_DIR, Settings

LANDING_GROUP = "landing"
LANDING_PARTITIONS = landing_partitions(Settings.from_env())
# a busy warehouse file (another process writing) is retried; landing is idempotent
BUSY_RETRIES = 3
BUSY_RETRY_SECONDS = 30.0


class LandingConfig(dg.Config):
    """Run configuration of the landing asset."""

    events_dir: str = ""  # empty: USAGE_ANALYTICS_EVENTS_DIR
    dbt_vars: str = ""  # the run's --vars (landing reads timestamp_floor)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", "events"],
            description="One row per valid landed line: typed, PII-hashed, ids as compact keys.",
            group_name=LANDING_GROUP,
            kinds={"duckdb"},
        ),
        dg.AssetSpec(
            ["raw", "identities"],
            description="Dictionary of user and anonymous ids to compact integer keys.",
            group_name=LANDING_GROUP,
            kinds={"duckdb"},
        ),
        dg.AssetSpec(
            ["raw", "load_manifest"],
            description="One row per landed file: path, content hash, line counts.",
            group_name=LANDING_GROUP,
            kinds={"duckdb"},
        ),
        dg.AssetSpec(
            ["audit", "quarantine"],
            description="One row per unusable line: file, line number, raw text, reason code.",
            group_name=LANDING_GROUP,
            kinds={"duckdb"},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "landing_reconciles",
            asset=["raw", "load_manifest"],
            blocking=True,
            description="Every line of the batch is in raw.events or audit.quarantine.",
        )
    ],
    partitions_def=LANDING_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def land_events(
    context: dg.AssetExecutionContext, config: LandingConfig, warehouse: DuckDBResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Lands the landing folder's new NDJSON files (CONTRACT §1).

    Files whose content hash is already in raw.load_manifest are skipped, so running twice
    lands nothing new. Valid lines go to raw.events, the rest to audit.quarantine with a
    reason; each batch commits in one transaction. A partitioned run (one arrival date or a
    range) lands only the files of its arrival dates; a run without a partition lands all.
    When another process holds the warehouse file, the step is retried (idempotent).
    """
    import_in_background()  # the landing gate's Great Expectations import overlaps landing
    settings = Settings.from_env()
    folder = Path(config.events_dir) if config.events_dir else settings.events_dir
    variables = effective_vars(config.dbt_vars)
    select, partitions = _partition_filter(context, settings)
    try:
        with warehouse.get_connection() as con:
            result = land_folder(
                con,
                folder,
                pii_salt=settings.pii_salt,
                timestamp_floor=timestamp_floor(variables),
                tracking_plan_csv=SEEDS_DIR / "tracking_plan.csv",
                batch_bytes=settings.landing_batch_bytes,
                select=select,
            )
            written = _written(con, result.load_id)
    except duckdb.IOException as error:  # the file is locked by another writer: transient
        raise dg.RetryRequested(
            max_retries=BUSY_RETRIES, seconds_to_wait=BUSY_RETRY_SECONDS
        ) from error
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
        "quarantined_by_reason": dg.MetadataValue.json(result.quarantined_by_reason),
    }
    for key in (["raw", "events"], ["raw", "identities"], ["audit", "quarantine"]):
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
    yield dg.MaterializeResult(asset_key=["raw", "load_manifest"], metadata=metadata)
    events_written, quarantined_written, manifest_lines = written
    yield dg.AssetCheckResult(
        check_name="landing_reconciles",
        asset_key=["raw", "load_manifest"],
        passed=bool(manifest_lines == result.count_lines == events_written + quarantined_written),
        metadata={
            "manifest_lines": manifest_lines,
            "events_written": events_written,
            "quarantined_written": quarantined_written,
        },
    )


def _partition_filter(
    context: dg.AssetExecutionContext, settings: Settings
) -> tuple[Callable[[LandingFile], bool] | None, str]:
    """Which files the run lands (None: all) and a description of its partitions."""
    if not context.has_partition_key_range:
        return None, "all arrival dates"
    key_range = context.partition_key_range
    first, last = dt.date.fromisoformat(key_range.start), dt.date.fromisoformat(key_range.end)
    window = partition_window(settings)

    def select(file: LandingFile) -> bool:
        arrived = arrival_date(file.path, file.relative_path)
        return first <= window.partition_of(arrived) <= last

    return select, f"arrival dates {first} .. {last}"


def _written(con: duckdb.DuckDBPyConnection, load_id: str) -> tuple[int, int, int]:
    """Rows of the load in raw.events, audit.quarantine (lines) and the manifest's line sum."""
    row = con.execute(
        """
        select
            (select count(*) from raw.events where load_id = $1),
            (select count(*) from audit.quarantine
                where load_id = $1 and line_number is not null),
            (select coalesce(sum(count_lines), 0) from raw.load_manifest where load_id = $1)
        """,
        [load_id],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])
