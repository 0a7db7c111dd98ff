"""All dbt models, seeds and tests as Dagster assets and asset checks."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation, DbtCliResource, DbtProject, dbt_assets

from orchestration.dbt_environment import dbt_child_environment, observation_warnings_once
from orchestration.dbt_project import UsageAnalyticsTranslator, built_model_tables
from orchestration.defs.resources import DbtBuild, Warehouse
from usage_analytics.publishing.marts import CANDIDATE_SCHEMA
from usage_analytics.spark.raw_export import export_raw_layer
from usage_analytics.spark.runtime import SparkFiles
from usage_analytics.spark.warehouse_copy import SparkTableMissing, copy_built_tables
from usage_analytics.warehouse.engine import out_of_memory_message

OUT_OF_MEMORY = "Out of Memory Error"  # how DuckDB's OutOfMemoryException reads in dbt
# what a build on another engine copies into the DuckDB warehouse: what publication reads
COPIED_SCHEMAS = (CANDIDATE_SCHEMA, "audit")


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

        dbt runs on the run's target (``USAGE_ANALYTICS_DBT_TARGET``, ``--target``). A Spark
        target builds from the Parquet export of the warehouse's raw layer, written first, and
        its candidate marts and audit tables are copied into the warehouse once the build
        passed, for the publish step (docs/spark.md).
        """
        spark = SparkFiles.of_warehouse(warehouse.path) if dbt_build.engine == "spark" else None
        args = ["build", "--target", dbt_build.target]
        if not dbt_build.unit_tests:
            args += ["--exclude-resource-type", "unit_test"]
        if dbt_build.dbt_vars:  # validated and typed: the text as given never reaches dbt
            args += ["--vars", dbt_build.dbt_vars_argument()]
        if config.full_refresh:
            args.append("--full-refresh")
        if spark is not None:
            _export_raw_layer(context, warehouse, spark)
        # DBT_QUIET & co. must not empty the log; Spark's files are the warehouse's own
        with dbt_child_environment(spark.environment() if spark else None) as ignored:
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
        if spark is not None:
            _copy_spark_build(context, invocation, warehouse, spark)

    return dbt_models


def _export_raw_layer(
    context: dg.AssetExecutionContext, warehouse: Warehouse, spark: SparkFiles
) -> None:
    """Writes the warehouse's raw layer as the Parquet files Spark reads as its sources."""
    with warehouse.get_connection() as con:
        exported = export_raw_layer(con, spark.raw)
    context.log.info(
        f"exported the raw layer for Spark into {spark.raw}:"
        f" {exported['raw.events']:,} events, {sum(exported.values()):,} rows in all"
    )


def _copy_spark_build(
    context: dg.AssetExecutionContext,
    invocation: DbtCliInvocation,
    warehouse: Warehouse,
    spark: SparkFiles,
) -> None:
    """Copies the candidate marts and audit tables Spark built into the DuckDB warehouse, which
    the publish step and analysts read (``usage_analytics/spark/warehouse_copy.py``)."""
    results = invocation.get_artifact("run_results.json")["results"]
    built = [result["unique_id"] for result in results if result.get("status") == "success"]
    models = built_model_tables(invocation.manifest, built, COPIED_SCHEMAS)
    try:
        with warehouse.get_connection() as con:
            copied = copy_built_tables(con, spark.tables, models)
    except SparkTableMissing as error:
        raise dg.Failure(
            description=f"copying the Spark build into the warehouse: {error}"
        ) from error
    context.log.info(
        f"copied {len(copied)} tables of the Spark build ({sum(copied.values()):,} rows) into"
        f" {', '.join(COPIED_SCHEMAS)} of the warehouse {warehouse.path}"
    )


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
