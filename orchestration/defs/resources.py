"""Resources, configured once from Settings (environment variables)."""

from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.dbt_project import dbt_project
from orchestration.lib.settings import Settings


def build_resources(settings: Settings) -> dict[str, object]:
    """The resources every asset of the code location uses.

    Args:
        settings: Where the warehouse is and how dbt is targeted.
    """
    settings.export()  # dbt runs as a subprocess and reads the warehouse path from the env
    return {
        "warehouse": DuckDBResource(database=str(settings.warehouse_path)),
        "dbt": DbtCliResource(project_dir=dbt_project, target=settings.dbt_target),
    }
