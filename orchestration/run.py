"""Running the main job in process and summarizing it."""

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import dagster as dg
import pydantic

from orchestration.dbt_project import prepare_manifest
from orchestration.definitions import defs
from orchestration.defs.jobs import MAIN_JOB_NAME, REBUILD_JOB_NAME
from orchestration.defs.landing.partitions import partition_range_tags
from orchestration.defs.resources import (
    Commands,
    DbtBuild,
    Landing,
    Warehouse,
    from_env,
)
from orchestration.summary import (
    RunSummary,
    check_outcome,
    last_publication,
    mart_row_counts,
    step_seconds,
)
from usage_analytics.paths import REPO_ROOT
from usage_analytics.publishing.marts import PUBLISHED_SCHEMA
from usage_analytics.quality.gates import gate_rows_of_run, record_run_gates

# the project's Dagster instance, the one `make dev` shows, unless DAGSTER_HOME names another
PROJECT_DAGSTER_HOME = REPO_ROOT / ".dagster_home"
# the Dagster console log of a run: into the command's log file, or the terminal with -v
RUN_LOG_LEVEL = "INFO"
# how Dagster prefixes the message of a step that raised dg.Failure (the summary drops it)
FAILURE = "dagster._core.definitions.events.Failure: "


def dagster_home() -> Path:
    """The Dagster instance commands record their runs in: ``DAGSTER_HOME``, else the
    repository's ``.dagster_home``."""
    home = os.environ.get("DAGSTER_HOME", "").strip()
    return Path(home).expanduser().resolve() if home else PROJECT_DAGSTER_HOME


def command_instance() -> AbstractContextManager[dg.DagsterInstance]:
    """The instance a command's run is recorded in (see ``dagster_home``), or a throwaway one
    with ``USAGE_ANALYTICS_EPHEMERAL_INSTANCE=1`` (the tests)."""
    if from_env("commands", Commands).ephemeral_instance:
        return dg.DagsterInstance.ephemeral()
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_config(str(home))


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
    on_event: Callable[[dg.EventLogEntry], None] | None = None,
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
        on_event: Called with each event of the run as it happens (progress lines).
    """
    started = time.perf_counter()
    prepare_manifest()
    land = landing is not None
    job = defs().resolve_job_def(MAIN_JOB_NAME if land else REBUILD_JOB_NAME)
    resources: dict[str, pydantic.BaseModel] = {"warehouse": warehouse, "dbt_build": dbt_build}
    if landing is not None:
        resources["landing"] = landing
    run_config = {
        "loggers": {"console": {"config": {"log_level": RUN_LOG_LEVEL}}},
        "ops": {"dbt_models": {"config": {"full_refresh": full_refresh}}},
        "resources": {
            key: {"config": run_config_of(resource)} for key, resource in resources.items()
        },
    }
    run_id = str(uuid.uuid4())  # known before the run starts: the listener is keyed by it
    with command_instance() as instance:
        if on_event is not None:
            instance.add_event_listener(run_id, on_event)
        result = job.execute_in_process(
            run_config=run_config,
            instance=instance,
            raise_on_error=False,
            run_id=run_id,
            tags=_partition_tags(partitions),
        )
        summary = _summarize(instance, result, warehouse, land)
        summary.instance = None if instance.is_ephemeral else str(instance.root_directory)
    summary.partitions = partitions
    summary.seconds = time.perf_counter() - started
    return summary


def _partition_tags(partitions: tuple[dt.date, dt.date] | None) -> dict[str, str] | None:
    """The run's landing partitions: a backfill's range; none for a run that lands every new
    file (unpartitioned, one materialization per landing asset). Tagging such a run with every
    partition through today recorded four events per day since USAGE_ANALYTICS_PARTITIONS_START
    in the instance, planned and materialized (2,700 on 2026-12-07, about 80 s of SQLite
    writes per run, growing by the day); the daily schedule and the sensor tag the arrival
    dates they land."""
    return None if partitions is None else partition_range_tags(*partitions)


def _summarize(
    instance: dg.DagsterInstance,
    result: dg.ExecuteInProcessResult,
    warehouse: Warehouse,
    land: bool,
) -> RunSummary:
    """The summary of a finished run, from its events and from the warehouse.

    The run is OK only when Dagster says it succeeded *and* it materialized and published every
    mart the job publishes, as the warehouse's ``audit.publications`` confirms: a run in which
    dbt built nothing (its log silenced, say) is never OK.
    """
    summary = RunSummary(success=result.success, warehouse=warehouse.path, landed=land)
    materialized = set()
    for event in result.get_asset_materialization_events():
        materialized.add(event.asset_key)  # a range run materializes each partition
        metadata = event.materialization.metadata
        if event.asset_key == dg.AssetKey(["raw", "load_manifest"]) and "load_id" in metadata:
            # not the arrival-date marks a run of all new files adds (no metadata)
            summary.landing = {key: value.value for key, value in metadata.items()}
    summary.assets_materialized = len(materialized)
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        outcome = check_outcome(evaluation)
        if outcome == "passed":
            summary.checks_passed += 1
        elif outcome == "warned":
            summary.checks_warned.append(name)
        else:
            summary.checks_failed.append(name)
    summary.step_seconds = step_seconds(instance, result.run_id)
    summary.gate_rows = gate_rows_of_run(instance, result.run_id)
    summary.quality_page = record_run_gates(warehouse.path, result.run_id, summary.gate_rows)
    summary.steps_failed = [
        f"{event.step_key}: {event.step_failure_data.error.message.strip().removeprefix(FAILURE)}"
        if event.step_failure_data and event.step_failure_data.error
        else str(event.step_key)
        for event in result.all_events
        if event.is_step_failure
    ]
    summary.mart_rows = mart_row_counts(warehouse)
    expected = [
        key
        for key in result.job_def.asset_layer.executable_asset_keys
        if key.path[0] == PUBLISHED_SCHEMA
    ]
    summary.marts_expected = sorted(key.path[-1] for key in expected)
    publication = last_publication(warehouse)
    published_now = publication is not None and publication[2] == result.run_id
    if publication is not None:
        summary.last_publication = publication[1]
        summary.published = publication[0] if published_now else None
    summary.marts_not_published = [
        key.path[-1]
        for key in sorted(expected)
        if key not in materialized or not published_now or key.path[-1] not in summary.mart_rows
    ]
    summary.success = result.success and bool(expected) and not summary.marts_not_published
    if warehouse.serving_path.is_file():
        summary.serving_copy = warehouse.serving_path
    return summary
