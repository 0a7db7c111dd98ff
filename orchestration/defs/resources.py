"""Resources, configured once from Settings (environment variables)."""

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.dbt_project import dbt_project
from orchestration.lib.settings import Settings


def build_resources(settings: Settings) -> dict[str, object]:
    """The resources every asset of the code location uses.

    The warehouse path is read from USAGE_ANALYTICS_WAREHOUSE when a run starts (``EnvVar``),
    not when the code is loaded, so ``usage-analytics run --warehouse`` and the dbt subprocess
    always agree on the file.

    Args:
        settings: Where the warehouse is and how dbt is targeted.
    """
    settings.export()  # dbt runs as a subprocess and reads the warehouse path from the env
    return {
        "warehouse": DuckDBResource(database=dg.EnvVar("USAGE_ANALYTICS_WAREHOUSE")),
        "dbt": DbtCliResource(project_dir=dbt_project, target=settings.dbt_target),
    }
