"""The dbt-duckdb plugin that opens the warehouse for dbt (``dbt_project/profiles.yml``).

dbt's profile names no file: this plugin attaches the warehouse (``USAGE_ANALYTICS_WAREHOUSE``)
under the catalog ``warehouse`` and gives DuckDB the same memory limit, threads and spill folder
as every other connection of the run (``engine.py``), read from the variables the ``warehouse``
resource exports. dbt hashes the profile's connection settings into its partial-parse state:
a profile that held the warehouse's path made the first build of every new warehouse parse the
whole project again (about 10 s). With the settings applied here, the profile is the same for
every warehouse and the parse the project ships carries over.
"""

import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.credentials import Attachment
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from usage_analytics.warehouse.engine import (
    DEFAULT_MEMORY_LIMIT,
    MEMORY_LIMIT_ENV,
    TEMP_DIRECTORY_ENV,
    THREADS_ENV,
    WAREHOUSE_ENV,
    EngineSettings,
)

DEFAULT_WAREHOUSE = "../data/warehouse.duckdb"  # relative to dbt_project/, for dbt by hand
CATALOG = "warehouse"  # the profile's `database`


def warehouse_path() -> Path:
    """The warehouse file dbt builds (``USAGE_ANALYTICS_WAREHOUSE``)."""
    return Path(os.environ.get(WAREHOUSE_ENV, DEFAULT_WAREHOUSE))


def engine_settings() -> EngineSettings:
    """DuckDB's share of the machine, from the variables the ``warehouse`` resource exports
    (validated there; DuckDB itself refuses a bad value when dbt runs by hand)."""
    temp_directory = os.environ.get(TEMP_DIRECTORY_ENV)
    return EngineSettings(
        memory_limit=os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT),
        threads=int(os.environ.get(THREADS_ENV, "0")),
        temp_directory=Path(temp_directory) if temp_directory else None,
    )


class Plugin(BasePlugin):
    """Opens dbt's DuckDB with the run's engine settings and the warehouse attached."""

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        """Settings DuckDB takes only when the database opens (the spill folder among them)."""
        config.update(engine_settings().duckdb_config(warehouse_path()))

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        """Attaches the warehouse file under the profile's catalog name."""
        # dbt-duckdb's own ATTACH statement (it escapes the path; ATTACH binds no parameter)
        conn.execute(Attachment(path=str(warehouse_path()), alias=CATALOG).to_sql())
