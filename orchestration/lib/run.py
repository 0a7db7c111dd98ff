"""Running the main job in process and summarizing it."""

import datetime as dt
import time

import dagster as dg

from orchestration.lib.gates import gate_rows_of_run, record_run_gates
from orchestration.lib.publish import PUBLISHED_SCHEMA
from orchestration.lib.settings import Settings
from orchestration.lib.summary import RunSummary, last_publication, mart_row_counts, step_seconds


def run_pipeline(
    settings: Settings,
    *,
    dbt_vars: str = "",
    full_refresh: bool = False,
    land: bool = True,
    partitions: tuple[dt.date, dt.date] | None = None,
) -> RunSummary:
    """Lands the landing folder and builds everything, in this process.

    Args:
        settings: Paths and targets; must already be exported to the environment.
        dbt_vars: YAML mapping of dbt vars for this run.
        full_refresh: Rebuild incremental models from scratch.
        land: Run the landing step; without it only the dbt build runs (``forget`` rebuilds
            from the raw layer it edited, and must not land new files on the way).
        partitions: First and last landing partition (arrival date) of a backfill: only the
            files of those arrival dates land, in one run that then builds once. None: every
            new file lands.
    """
    from orchestration.dbt_project import prepare_manifest

    started = time.perf_counter()
    prepare_manifest()
    from orchestration.definitions import defs
    from orchestration.defs.jobs import MAIN_JOB_NAME, REBUILD_JOB_NAME
    from orchestration.defs.landing.partitions import partition_range_tags

    job = defs.resolve_job_def(MAIN_JOB_NAME if land else REBUILD_JOB_NAME)
    ops: dict[str, object] = {
        "dbt_models": {"config": {"dbt_vars": dbt_vars, "full_refresh": full_refresh}},
    }
    if land:
        ops["land_events"] = {
            "config": {"events_dir": str(settings.events_dir), "dbt_vars": dbt_vars}
        }
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}, "ops": ops}
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        run_config=run_config,
        instance=instance,
        raise_on_error=False,
        tags=None if partitions is None else partition_range_tags(*partitions),
    )
    summary = RunSummary(success=result.success, warehouse=settings.warehouse_path, landed=land)
    if partitions is not None:
        summary.command = "backfill"
        summary.partitions = partitions
    materialized = set()
    for event in result.get_asset_materialization_events():
        materialized.add(event.asset_key)  # a range run materializes each partition
        if event.asset_key == dg.AssetKey(["raw", "load_manifest"]):
            metadata = event.materialization.metadata
            summary.landing = {key: value.value for key, value in metadata.items()}
    summary.assets_materialized = len(materialized)
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.passed:
            summary.checks_passed += 1
        else:
            summary.checks_failed.append(name)
    summary.step_seconds = step_seconds(instance, result.run_id)
    summary.gate_rows = gate_rows_of_run(instance, result.run_id)
    summary.quality_page = record_run_gates(
        settings.warehouse_path, result.run_id, summary.gate_rows
    )
    summary.steps_failed = [
        f"{event.step_key}: {event.step_failure_data.error.message.strip()}"
        if event.step_failure_data and event.step_failure_data.error
        else str(event.step_key)
        for event in result.all_events
        if event.is_step_failure
    ]
    summary.mart_rows = mart_row_counts(settings.warehouse_path)
    publication = last_publication(settings.warehouse_path)
    if publication is not None:
        publication_id, summary.last_publication = publication
        published_now = any(
            event.asset_key.path[0] == PUBLISHED_SCHEMA
            for event in result.get_asset_materialization_events()
        )
        summary.published = publication_id if published_now else None
    summary.seconds = time.perf_counter() - started
    return summary
