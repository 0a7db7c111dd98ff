"""The dbt-duckdb plugin that opens the warehouse for dbt (``dbt_project/profiles.yml``).

dbt's profile names no file: this plugin attaches the warehouse (``USAGE_ANALYTICS_WAREHOUSE``)
under the catalog ``warehouse`` and gives DuckDB the same memory limit, threads and spill folder
as every other connection of the run (``engine.py``), read from the variables the ``warehouse``
resource exports. dbt hashes the profile's connection settings into its partial-parse state:
a profile that held the warehouse's path made the first build of every new warehouse parse the
whole project again (about 10 s). With the settings applied here, the profile is the same for
every warehouse and the parse the project ships carries over.

The profile's ``serving`` target opens the serving copy instead
(``USAGE_ANALYTICS_SERVING_WAREHOUSE``, default ``<warehouse stem>.serving.duckdb``: the published
marts BI tools read), read-only and under the same catalog name, for the readers dbt has:
``dbt docs generate`` and MetricFlow's ``mf``. A run never waits on a reader of that file
(``usage_analytics/publishing/serving.py``).
"""

import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.credentials import Attachment
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from usage_analytics.paths import from_repo_root
from usage_analytics.publishing.serving import default_serving_path
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
SERVING_ENV = "USAGE_ANALYTICS_SERVING_WAREHOUSE"  # as the `warehouse` resource reads it
# what the profile's `opens:` plugin setting may name: the writer's file, or its serving copy
OPENS = ("warehouse", "serving")


def warehouse_path() -> Path:
    """The warehouse file dbt builds (``USAGE_ANALYTICS_WAREHOUSE``)."""
    return Path(os.environ.get(WAREHOUSE_ENV, DEFAULT_WAREHOUSE))


def serving_path() -> Path:
    """The serving copy the ``serving`` target reads (``USAGE_ANALYTICS_SERVING_WAREHOUSE``,
    relative to the repository root as the ``warehouse`` resource takes it; default beside the
    warehouse)."""
    configured = os.environ.get(SERVING_ENV, "").strip()
    return from_repo_root(configured) if configured else default_serving_path(warehouse_path())


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
    """Opens dbt's DuckDB with the run's engine settings and the warehouse attached (the
    serving copy, read-only, when the plugin's ``opens`` setting says ``serving``)."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        """Reads ``opens`` (default ``warehouse``). Without a ``config:`` entry dbt-duckdb
        passes the profile's ``settings`` here, which name no ``opens``."""
        opens = plugin_config.get("opens", "warehouse")
        if opens not in OPENS:
            raise ValueError(f"dbt_plugin opens: {opens!r} is not one of {', '.join(OPENS)}")
        self.read_only = opens == "serving"

    def database_path(self) -> Path:
        """The file this connection opens."""
        return serving_path() if self.read_only else warehouse_path()

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        """Settings DuckDB takes only when the database opens (the spill folder among them)."""
        config.update(engine_settings().duckdb_config(self.database_path()))

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        """Attaches the warehouse (or its serving copy) under the profile's catalog name."""
        # dbt-duckdb's own ATTACH statement (it escapes the path; ATTACH binds no parameter)
        attachment = Attachment(
            path=str(self.database_path()), alias=CATALOG, read_only=self.read_only
        )
        conn.execute(attachment.to_sql())
