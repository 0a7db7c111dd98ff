"""All dbt models, seeds and tests as Dagster assets and asset checks."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation, DbtCliResource, DbtProject, dbt_assets

from orchestration.dbt_environment import dbt_child_environment, observation_warnings_once
from orchestration.dbt_project import UsageAnalyticsTranslator
from orchestration.defs.resources import DbtBuild, Warehouse
from usage_analytics.warehouse.engine import out_of_memory_message

OUT_OF_MEMORY = "Out of Memory Error"  # how DuckDB's OutOfMemoryException reads in dbt


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build."""

    full_refresh: bool = False


def dbt_target_path(warehouse: Path) -> Path:
    """The dbt target folder of a warehouse's builds, beside it (``<warehouse>.dbt``).

    One folder per warehouse, reused by each build: dbt's partial parse carries over from
    one build to the next, and the folder goes when the warehouse goes.
    """
    return warehouse.with_name(warehouse.name + ".dbt")


def build_dbt_models(project: DbtProject) -> dg.AssetsDefinition:
    """The ``@dbt_assets`` of the project's manifest (which must exist: ``prepare_manifest``)."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=UsageAnalyticsTranslator(),
        # unpartitioned, but a run over a range of landing partitions includes the build once
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def dbt_models(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        dbt_build: DbtBuild,
        config: DbtBuildConfig,
        warehouse: Warehouse,  # also makes a run that builds dbt hold the warehouse lock
    ) -> Iterator[Any]:
        """Runs ``dbt build`` on the selected models: seeds, models and data tests, and the dbt
        unit tests when ``USAGE_ANALYTICS_DBT_UNIT_TESTS=1`` (development and CI).

        A failing error-severity test skips everything downstream of it; the step then fails
        with the names and messages of the failed nodes.
        """
        args = ["build"]
        if not dbt_build.unit_tests:
            args += ["--exclude-resource-type", "unit_test"]
        if dbt_build.dbt_vars:  # validated and typed: the text as given never reaches dbt
            args += ["--vars", dbt_build.dbt_vars_argument()]
        if config.full_refresh:
            args.append("--full-refresh")
        with dbt_child_environment() as ignored:  # DBT_QUIET & co. must not empty the log
            invocation = dbt.cli(
                args,
                context=context,
                raise_on_error=False,
                target_path=dbt_target_path(warehouse.path),
            )
        if ignored:
            context.log.info(f"dbt ran without these environment variables: {', '.join(ignored)}")
        with observation_warnings_once() as repeated:
            yield from invocation.stream()
        if repeated.count_dropped:
            context.log.info(
                f"{repeated.count_dropped} more dbt tests outside the run's asset checks were"
                " recorded as observations"
            )
        if not invocation.is_successful():
            failed = failed_nodes(invocation)
            if any(OUT_OF_MEMORY in line for line in failed):
                failed.insert(0, out_of_memory_message("dbt build", warehouse.engine, ""))
            raise dg.Failure(description="dbt build failed:\n" + "\n".join(failed))

    return dbt_models


def failed_nodes(invocation: DbtCliInvocation) -> list[str]:
    """One line per errored or failed dbt node of an invocation, from run_results.json."""
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except Exception:  # noqa: BLE001 - no artifact when dbt failed before running anything
        return ["(no run_results.json: see the dbt log above)"]
    lines = []
    for result in results:
        if result.get("status") in ("error", "fail", "runtime error"):
            message = (result.get("message") or "").strip().splitlines()
            lines.append(f"  {result['unique_id']}: {message[0] if message else result['status']}")
    return lines
