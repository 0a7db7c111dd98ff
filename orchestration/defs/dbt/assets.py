"""All dbt models, seeds and tests as Dagster assets and asset checks."""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.dbt_project import dbt_project
from orchestration.defs.dbt.translator import UsageAnalyticsTranslator


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build."""

    dbt_vars: str = ""  # YAML mapping passed to dbt --vars
    full_refresh: bool = False


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=UsageAnalyticsTranslator(),
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> object:
    """Runs ``dbt build`` on the selected models: seeds, models, unit tests and data tests.

    A failing error-severity test skips everything downstream of it and fails the run.
    """
    args = ["build"]
    if config.dbt_vars:
        args += ["--vars", config.dbt_vars]
    if config.full_refresh:
        args.append("--full-refresh")
    yield from dbt.cli(args, context=context).stream()
