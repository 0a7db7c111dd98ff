"""All dbt models, seeds and tests as Dagster assets and asset checks."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from orchestration.dbt_project import dbt_project
from orchestration.defs.dbt.translator import UsageAnalyticsTranslator
from orchestration.lib.dbt_targets import prune_invocation_targets
from orchestration.lib.settings import Settings


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build."""

    dbt_vars: str = ""  # YAML mapping passed to dbt --vars
    full_refresh: bool = False


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=UsageAnalyticsTranslator(),
    # unpartitioned, but a run over a range of landing partitions includes the build once
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtBuildConfig,
    warehouse: DuckDBResource,  # required so that a run building dbt holds the warehouse lock
) -> Iterator[Any]:
    """Runs ``dbt build`` on the selected models: seeds, models and data tests, and the dbt
    unit tests when ``USAGE_ANALYTICS_DBT_UNIT_TESTS=1`` (development and CI).

    A failing error-severity test skips everything downstream of it; the step then fails with
    the names and messages of the failed nodes.
    """
    settings = Settings.from_env()
    args = ["build"]
    if not settings.dbt_unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    if config.dbt_vars:
        args += ["--vars", config.dbt_vars]
    if config.full_refresh:
        args.append("--full-refresh")
    invocation = dbt.cli(args, context=context, raise_on_error=False)
    yield from invocation.stream()
    invocation_target = Path(invocation.target_path)
    keep_partial_parse(invocation_target)
    removed = prune_invocation_targets(
        invocation_target.parent,
        prefix=context.op_execution_context.op.name,  # dagster-dbt's folder names start so
        keep=settings.dbt_runs_kept,
        current=invocation_target,
    )
    if removed:
        context.log.info(f"removed {len(removed)} old dbt target folder(s)")
    if not invocation.is_successful():
        raise dg.Failure(
            description="dbt build failed:\n" + "\n".join(failed_nodes(invocation)),
        )


def keep_partial_parse(invocation_target: Path) -> None:
    """Makes this invocation's ``partial_parse.msgpack`` the one the next invocation starts from.

    dagster-dbt copies ``dbt_project/target/partial_parse.msgpack`` into each invocation's own
    target folder, but that file comes from the last ``dbt parse`` (``prepare_manifest``), whose
    warehouse path and vars may differ from the runs'; dbt then re-parses the whole project on
    every run. Handing back the run's own file lets the next run with the same warehouse and
    vars parse only what changed (dbt checks the file and re-parses whole when it does not
    match, so a stale one costs time, never correctness). Replaced atomically.
    """
    produced = invocation_target / "partial_parse.msgpack"
    if not produced.exists():
        return
    kept = dbt_project.project_dir / "target" / "partial_parse.msgpack"
    staged = kept.with_name(f".partial_parse.{os.getpid()}.msgpack")
    shutil.copyfile(produced, staged)
    os.replace(staged, kept)


def failed_nodes(invocation: Any) -> list[str]:
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
