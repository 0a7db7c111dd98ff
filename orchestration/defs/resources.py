"""Resources, configured once from Settings (environment variables)."""

import importlib.metadata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from packaging import version

from orchestration.dbt_project import dbt_project
from orchestration.lib.settings import Settings
from orchestration.lib.warehouse_lock import exclusive_warehouse


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

    @cached_property
    def _cli_version(self) -> version.Version:
        """The dbt-core version, read from the installed package instead of running
        ``dbt --version`` in a subprocess on every ``cli()`` call (about 1.5 s: a second dbt
        start-up, and a lookup of the latest release). The project runs dbt-core's ``dbt``
        from its own environment (constraints.txt), so the package is the executable; any
        other executable (the Fusion engine's ``dbtf``) is still asked.
        """
        if Path(self.dbt_executable).name != "dbt":
            return super()._cli_version
        return version.parse(importlib.metadata.version("dbt-core"))


class Warehouse(DuckDBResource):
    """The DuckDB warehouse, held for the whole run: one writer at a time.

    Setting the resource up takes the warehouse's file lock (``<warehouse>.lock``, the one the
    ``usage-analytics`` commands take) and tearing it down releases it. With the in-process
    executor the resource lives as long as the run, so a run the Dagster daemon launches (the
    schedule, the sensor, the UI) and a ``usage-analytics`` command on the same file queue for
    each other, as runs of the daemon already do in its run queue. A run started by a command
    shares the command's lock (the lock is re-entrant within a process).
    """

    lock_timeout_seconds: float = 3600.0

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["Warehouse"]:
        log = context.log
        with exclusive_warehouse(
            Path(self.database),
            timeout_seconds=self.lock_timeout_seconds,
            on_wait=None if log is None else log.info,
        ):
            yield self


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
        "warehouse": Warehouse(
            database=dg.EnvVar("USAGE_ANALYTICS_WAREHOUSE"),
            lock_timeout_seconds=settings.lock_timeout_seconds,
        ),
        "dbt": DbtCli(project_dir=dbt_project, target=settings.dbt_target),
    }
