"""What a run on the ``spark`` target needs: the ``spark`` extra and Java, and where it keeps
Spark's files, beside the warehouse.

As ``<warehouse>.dbt`` (dbt's target folder) and ``<warehouse>.tmp`` (DuckDB's spill folder),
one folder per warehouse, ``<warehouse>.spark``:

    raw/           the Parquet export of the landed raw layer (raw_export.py), Spark's sources
    tables/        Spark's tables, ``<schema>.db/<table>`` (the session's warehouse directory)
    metastore_db/  the session's Derby metastore

A run hands the two locations to its dbt process as the variables the ``spark`` profile reads
(``USAGE_ANALYTICS_SPARK_DIR``, ``USAGE_ANALYTICS_RAW_LOCATION``), whatever the environment
says: they are for dbt run by hand. Two warehouses never share Spark's metastore, whose
embedded Derby database one process at a time may open.
"""

import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

SPARK_DIR_ENV = "USAGE_ANALYTICS_SPARK_DIR"
RAW_LOCATION_ENV = "USAGE_ANALYTICS_RAW_LOCATION"


@dataclass(frozen=True)
class SparkFiles:
    """The Spark folder of one warehouse."""

    root: Path

    @classmethod
    def of_warehouse(cls, warehouse: Path) -> "SparkFiles":
        """``<warehouse>.spark``, beside the warehouse file."""
        return cls(warehouse.with_name(warehouse.name + ".spark"))

    @property
    def raw(self) -> Path:
        """The raw layer's Parquet export."""
        return self.root / "raw"

    @property
    def tables(self) -> Path:
        """Spark's tables."""
        return self.root / "tables"

    def environment(self) -> dict[str, str]:
        """The variables the ``spark`` profile reads, set to this folder."""
        return {SPARK_DIR_ENV: str(self.root), RAW_LOCATION_ENV: str(self.raw)}


def missing_requirement() -> str | None:
    """What this machine lacks to build on a local Spark session (None: nothing)."""
    if importlib.util.find_spec("dbt.adapters.spark") is None:
        return (
            "the spark target needs the `spark` extra:"
            " .venv/bin/python -m pip install -c constraints.txt -e '.[spark]'"
        )
    java_home = os.environ.get("JAVA_HOME", "").strip()
    if not (java_home and Path(java_home, "bin", "java").is_file()) and not shutil.which("java"):
        return "the spark target needs Java 17 (java on PATH or JAVA_HOME): make java"
    return None
