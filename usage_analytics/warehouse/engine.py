"""How much of the machine DuckDB may take: its memory limit, threads and spill folder.

Every connection a run opens to the warehouse (landing, the gates, publish, and the dbt
processes through ``dbt_plugin.py``) gets the same three settings, so that a day
bigger than memory spills to disk instead of growing until the kernel's OOM killer ends the
run. When even spilling cannot make it fit (a hash table or a sort larger than the limit),
DuckDB raises ``OutOfMemoryException``; ``out_of_memory_message`` turns that into one line that
names the setting to change.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

# A laptop's share: a 10-million-event day builds within it (benchmarks/README.md).
DEFAULT_MEMORY_LIMIT = "3GB"
WAREHOUSE_ENV = "USAGE_ANALYTICS_WAREHOUSE"  # the file the dbt processes of a run build
MEMORY_LIMIT_ENV = "USAGE_ANALYTICS_MEMORY_LIMIT"
THREADS_ENV = "USAGE_ANALYTICS_THREADS"
TEMP_DIRECTORY_ENV = "USAGE_ANALYTICS_TEMP_DIRECTORY"


def checked_memory_limit(value: str) -> str:
    """``value`` when DuckDB accepts it as a memory limit (``3GB``, ``512MiB``, ``80%``).

    Raises:
        ValueError: DuckDB's reason, in one line.
    """
    try:
        duckdb.connect(config={"memory_limit": value}).close()
    except duckdb.Error as error:
        reason = str(error).splitlines()[0].removeprefix("Parser Error: ")
        raise ValueError(f"not a memory limit DuckDB accepts ({reason})") from error
    return value


def default_temp_directory(warehouse: Path) -> Path:
    """DuckDB's own choice for a database file: ``<warehouse>.tmp`` beside it."""
    return warehouse.with_name(warehouse.name + ".tmp")


@dataclass(frozen=True)
class EngineSettings:
    """DuckDB's share of the machine, for every connection to one warehouse."""

    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int = 0  # 0: one per core
    temp_directory: Path | None = None  # None: default_temp_directory(warehouse)

    def resolved_threads(self) -> int:
        """The thread count (``threads``, or the machine's cores when 0)."""
        return self.threads or os.cpu_count() or 1

    def duckdb_config(self, warehouse: Path) -> dict[str, str | int]:
        """``duckdb.connect(config=...)`` for a connection to ``warehouse``."""
        return {
            "memory_limit": self.memory_limit,
            "threads": self.resolved_threads(),
            "temp_directory": str(self.temp_directory or default_temp_directory(warehouse)),
        }

    def environment(self, warehouse: Path) -> dict[str, str]:
        """The variables dbt reads the same settings from (``dbt_plugin.py``)."""
        config = self.duckdb_config(warehouse)
        return {
            MEMORY_LIMIT_ENV: str(config["memory_limit"]),
            THREADS_ENV: str(config["threads"]),
            TEMP_DIRECTORY_ENV: str(config["temp_directory"]),
        }


def out_of_memory_message(step: str, settings: EngineSettings, error: BaseException | str) -> str:
    """One line: ``step`` did not fit in DuckDB's memory limit, and what to change (``error``:
    DuckDB's exception, whose first line is appended; "" for none)."""
    reason = str(error).splitlines()[0] if str(error) else ""
    return (
        f"{step} ran out of memory: DuckDB's limit is {settings.memory_limit}"
        f" ({MEMORY_LIMIT_ENV}); raise it, or lower USAGE_ANALYTICS_LANDING_BATCH_BYTES when"
        f" landing, and keep {TEMP_DIRECTORY_ENV} on a disk with room to spill"
        + (f" ({reason})" if reason else "")
    )
