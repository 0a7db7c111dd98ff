"""Running the main job in process and summarizing it."""

import datetime as dt
import time
from typing import Any

import dagster as dg
import pydantic

from orchestration.dbt_project import prepare_manifest
from orchestration.definitions import defs
from orchestration.defs.jobs import MAIN_JOB_NAME, REBUILD_JOB_NAME
from orchestration.defs.landing.partitions import partition_range_tags
from orchestration.defs.resources import DbtBuild, Landing, Warehouse
from orchestration.summary import RunSummary, last_publication, mart_row_counts, step_seconds
from usage_analytics.publishing.marts import PUBLISHED_SCHEMA
from usage_analytics.quality.gates import gate_rows_of_run, record_run_gates


def run_config_of(resource: pydantic.BaseModel) -> dict[str, Any]:
    """A resource's whole configuration as run config (an ``EnvVar`` stays a reference).

    Run config replaces a resource's configuration whole, so every field is given.
    """
    config = {}
    for name in type(resource).model_fields:
        value = getattr(resource, name)
        config[name] = {"env": value.env_var_name} if isinstance(value, dg.EnvVar) else value
    return config


def run_pipeline(
    warehouse: Warehouse,
    dbt_build: DbtBuild,
    landing: Landing | None = None,
    *,
    full_refresh: bool = False,
    partitions: tuple[dt.date, dt.date] | None = None,
) -> RunSummary:
    """Lands the landing folder and builds everything, in this process.

    The resources (the command's options over the environment) reach the job as run config.

    Args:
        warehouse: The warehouse the run builds.
        dbt_build: The run's dbt vars.
        landing: Where files land from; None: only the dbt build runs (``forget`` rebuilds
            from the raw layer it edited, and must not land new files on the way).
        full_refresh: Rebuild incremental models from scratch.
        partitions: First and last landing partition (arrival date) of a backfill: only the
            files of those arrival dates land, in one run that then builds once. None: every
            new file lands.
    """
    started = time.perf_counter()
    prepare_manifest()
    land = landing is not None
    job = defs().resolve_job_def(MAIN_JOB_NAME if land else REBUILD_JOB_NAME)
    resources: dict[str, pydantic.BaseModel] = {"warehouse": warehouse, "dbt_build": dbt_build}
    if landing is not None:
        resources["landing"] = landing
    run_config = {
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
        "ops": {"dbt_models": {"config": {"full_refresh": full_refresh}}},
        "resources": {
            key: {"config": run_config_of(resource)} for key, resource in resources.items()
        },
    }
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        run_config=run_config,
        instance=instance,
        raise_on_error=False,
        tags=None if partitions is None else partition_range_tags(*partitions),
    )
    summary = RunSummary(success=result.success, warehouse=warehouse.path, landed=land)
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
    summary.quality_page = record_run_gates(warehouse.path, result.run_id, summary.gate_rows)
    summary.steps_failed = [
        f"{event.step_key}: {event.step_failure_data.error.message.strip()}"
        if event.step_failure_data and event.step_failure_data.error
        else str(event.step_key)
        for event in result.all_events
        if event.is_step_failure
    ]
    summary.mart_rows = mart_row_counts(warehouse)
    publication = last_publication(warehouse)
    if publication is not None:
        publication_id, summary.last_publication = publication
        published_now = any(
            event.asset_key.path[0] == PUBLISHED_SCHEMA
            for event in result.get_asset_materialization_events()
        )
        summary.published = publication_id if published_now else None
    summary.seconds = time.perf_counter() - started
    return summary
