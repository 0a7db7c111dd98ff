"""The landing asset: new files of the landing folder into raw.* and audit.quarantine."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.lib.dbt_vars import effective_vars, timestamp_floor
from orchestration.lib.landing import land_folder
from orchestration.lib.settings import SEEDS_DIR, Settings

LANDING_GROUP = "landing"


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
)
def land_events(
    context: dg.AssetExecutionContext, config: LandingConfig, warehouse: DuckDBResource
) -> dg.Output | object:
    """Lands the landing folder's new NDJSON files (CONTRACT §1).

    Files whose content hash is already in raw.load_manifest are skipped, so running twice
    lands nothing new. Valid lines go to raw.events, the rest to audit.quarantine with a
    reason; the whole batch commits in one transaction.
    """
    settings = Settings.from_env()
    folder = Path(config.events_dir) if config.events_dir else settings.events_dir
    variables = effective_vars(config.dbt_vars)
    with warehouse.get_connection() as con:
        result = land_folder(
            con,
            folder,
            pii_salt=settings.pii_salt,
            timestamp_floor=timestamp_floor(variables),
            tracking_plan_csv=SEEDS_DIR / "tracking_plan.csv",
            batch_bytes=settings.landing_batch_bytes,
        )
        written = con.execute(
            """
            select
                (select count(*) from raw.events where load_id = $1),
                (select count(*) from audit.quarantine
                    where load_id = $1 and line_number is not null),
                (select coalesce(sum(count_lines), 0) from raw.load_manifest where load_id = $1)
            """,
            [result.load_id],
        ).fetchone()
    context.log.info(
        f"landed {result.count_files_landed} file(s) from {folder}: {result.count_lines} lines,"
        f" {result.count_landed} valid, {result.count_quarantined} quarantined;"
        f" {len(result.files_skipped)} file(s) already landed"
    )
    metadata = {
        "load_id": result.load_id,
        "files_landed": result.count_files_landed,
        "files_skipped": len(result.files_skipped),
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
