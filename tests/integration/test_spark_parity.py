"""The same dbt project on DuckDB and on Spark gives the same marts, row for row (docs/spark.md).

One event set, the hand-built semantic scenarios plus a small generated product, is landed and
built on DuckDB by ``usage-analytics run``; its raw layer is exported as Parquet
(``usage_analytics/spark/raw_export.py``) and the same project is built from it with the
``spark`` target (a local pyspark session, two cores, two shuffle partitions), through the
``usage-analytics-dbt`` entry point that runs the Python model in that session. Every mart of
the candidate schema is then compared: the same columns, and the same multiset of rows, with
doubles (rates, statistics) equal to 1e-9.
"""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT, run_cli, write_events
from tests.semantic import scenarios
from usage_analytics.spark.raw_export import export_raw_layer

DBT_PROJECT = REPO_ROOT / "dbt_project"
CANDIDATE_SCHEMA = "marts_candidate"
TOLERANCE_DIGITS = 9  # doubles are compared rounded to 1e-9


def spark_dbt(args: list[str], spark_dir: Path, raw: Path) -> subprocess.CompletedProcess[str]:
    """``usage-analytics-dbt ARGS`` with the spark target, its files under ``spark_dir``."""
    entry = [sys.executable, "-c", "from usage_analytics.spark.dbt_entry import main; main()"]
    return subprocess.run(
        [*entry, *args, "--target", "spark", "--target-path", str(spark_dir / "target")],
        capture_output=True,
        text=True,
        cwd=DBT_PROJECT,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "USAGE_ANALYTICS_DBT_TARGET": "spark",
            "USAGE_ANALYTICS_SPARK_DIR": str(spark_dir),
            "USAGE_ANALYTICS_RAW_LOCATION": str(raw),
            "DBT_LOG_PATH": str(spark_dir / "logs"),
        },
        check=False,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(DuckDB warehouse, Spark's table folder) of the same events."""
    base = tmp_path_factory.mktemp("parity")
    events = base / "events"
    for name, scenario_events in scenarios.FILES.items():
        write_events(events / f"{name}.ndjson", scenario_events)
    generated = run_cli(
        "generate", "--out", str(events / "generated"), "--users", "80", "--days", "21"
    )
    assert generated.returncode == 0, generated.stderr
    warehouse = base / "warehouse.duckdb"
    result = run_cli("run", "--events", str(events), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr

    raw = base / "raw"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        export_raw_layer(con, raw)
    spark_dir = base / "spark"
    build = spark_dbt(["build", "--exclude-resource-type", "unit_test"], spark_dir, raw)
    assert build.returncode == 0, build.stdout[-6000:]
    return warehouse, spark_dir / "tables"


def marts(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name from duckdb_tables() where schema_name = $1 order by 1",
            [CANDIDATE_SCHEMA],
        ).fetchall()
    return [name for (name,) in rows]


def normalized(relation: str, columns: list[tuple[str, str]]) -> str:
    """A select of ``relation`` with doubles rounded to the tolerance (names from the catalog)."""
    items = [
        f'round("{name}", {TOLERANCE_DIGITS}) as "{name}"'
        if data_type in ("DOUBLE", "FLOAT")
        else f'"{name}"'
        for name, data_type in columns
    ]
    return f"select {', '.join(items)} from {relation}"


def differences(warehouse: Path, spark_tables: Path) -> dict[str, tuple[int, int, int]]:
    """Per mart that differs: (its rows on DuckDB, rows only on DuckDB, rows only on Spark)."""
    differing = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in marts(warehouse):
            columns = con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = $1 and table_name = $2 order by ordinal_position",
                [CANDIDATE_SCHEMA, name],
            ).fetchall()
            files = [str(spark_tables / f"{CANDIDATE_SCHEMA}.db" / name / "*.parquet")]
            spark_columns = [
                row[0]
                for row in con.execute("describe select * from read_parquet($1)", files).fetchall()
            ]
            assert spark_columns == [column for column, _ in columns], name
            duck = normalized(f'{CANDIDATE_SCHEMA}."{name}"', columns)
            spark = normalized("read_parquet($1)", columns)
            (rows,) = con.execute(f"select count(*) from ({duck})").fetchone()
            (only_duck,) = con.execute(
                f"select count(*) from ({duck} except all {spark})", files
            ).fetchone()
            (only_spark,) = con.execute(
                f"select count(*) from ({spark} except all {duck})", files
            ).fetchone()
            if only_duck or only_spark:
                differing[name] = (rows, only_duck, only_spark)
    return differing


def test_every_mart_is_the_same_on_spark(built: tuple[Path, Path]) -> None:
    warehouse, spark_tables = built
    assert len(marts(warehouse)) >= 18
    assert differences(warehouse, spark_tables) == {}
