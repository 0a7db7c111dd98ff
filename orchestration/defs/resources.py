"""Resources, configured once from Settings (environment variables)."""

from collections.abc import Sequence

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.dbt_project import dbt_project
from orchestration.lib.settings import Settings


class DbtCli(DbtCliResource):
    """``DbtCliResource`` without the in-process dbt adapter.

    On every ``cli()`` call dagster-dbt loads the dbt project and profile and registers the
    dbt adapter inside the Dagster process (about 2 s: dbt-core and dbt-duckdb imported a
    second time), only for ``fetch_row_counts()`` and ``fetch_column_metadata()``, which query
    the warehouse from Dagster. The build itself runs in the dbt subprocess either way, and
    this project uses neither, so the handle is not opened (dagster-dbt treats a missing
    adapter as it treats the Fusion engine's).
    """

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


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
        "dbt": DbtCli(project_dir=dbt_project, target=settings.dbt_target),
    }
