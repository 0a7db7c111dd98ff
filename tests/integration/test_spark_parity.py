"""The same dbt project on DuckDB and on Spark gives the same marts, row for row (docs/spark.md).

One event set, the hand-built semantic scenarios plus a small generated product, is landed and
built on DuckDB by ``usage-analytics run``. A copy of that warehouse (the same landed raw layer)
is then built again by ``usage-analytics run --target spark``: the dbt step exports the raw
layer as Parquet beside the warehouse, builds and tests every model on a local Spark session
(two cores, two shuffle partitions), copies the candidate marts into the warehouse, and the
publish step publishes them. Every published mart of the two warehouses is compared: the same
columns with the same types, constraints and comments, and the same multiset of rows, with
doubles (rates, statistics) equal to 1e-9.
"""

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cli, write_events
from tests.semantic import scenarios
from usage_analytics.spark.runtime import SparkFiles

PUBLISHED_SCHEMA = "marts"
TOLERANCE_DIGITS = 9  # doubles are compared rounded to 1e-9


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(DuckDB-built warehouse, Spark-built warehouse, the Spark run's output) of one event set."""
    base = tmp_path_factory.mktemp("parity")
    events = base / "events"
    for name, scenario_events in scenarios.FILES.items():
        write_events(events / f"{name}.ndjson", scenario_events)
    generated = run_cli(
        "generate", "--out", str(events / "generated"), "--users", "80", "--days", "21"
    )
    assert generated.returncode == 0, generated.stderr
    on_duckdb = base / "duckdb" / "warehouse.duckdb"
    result = run_cli("run", "--events", str(events), "--warehouse", str(on_duckdb))
    assert result.returncode == 0, result.stdout + result.stderr

    on_spark = base / "spark" / "warehouse.duckdb"
    on_spark.parent.mkdir()
    shutil.copyfile(on_duckdb, on_spark)  # the same landed lines, landed at the same times
    result = run_cli(
        "run", "--target", "spark", "--events", str(events), "--warehouse", str(on_spark)
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return on_duckdb, on_spark, result.stdout


def published(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple]]:
    """Each published mart's columns: (name, type, nullable, comment), and its own comment."""
    marts: dict[str, list[tuple]] = {}
    for table, comment in con.execute(
        "select table_name, comment from duckdb_tables()"
        " where database_name = $1 and schema_name = $2 order by 1",
        [database, PUBLISHED_SCHEMA],
    ).fetchall():
        marts[table] = [("(table)", comment)] + con.execute(
            "select column_name, data_type, is_nullable, comment from duckdb_columns()"
            " where database_name = $1 and schema_name = $2 and table_name = $3"
            " order by column_index",
            [database, PUBLISHED_SCHEMA, table],
        ).fetchall()
    return marts


def normalized(relation: str, columns: list[tuple]) -> str:
    """A select of ``relation`` with doubles rounded to the tolerance (names from the catalog)."""
    items = [
        f'round("{name}", {TOLERANCE_DIGITS}) as "{name}"'
        if data_type in ("DOUBLE", "FLOAT")
        else f'"{name}"'
        for name, data_type, *_ in columns[1:]
    ]
    return f"select {', '.join(items)} from {relation}"


@pytest.fixture(scope="module")
def both(built: tuple[Path, Path, str]) -> duckdb.DuckDBPyConnection:
    """One connection with the DuckDB-built warehouse as ``duck`` and the Spark one as ``spark``."""
    on_duckdb, on_spark, _ = built
    con = duckdb.connect()
    con.execute("attach $1 as duck (read_only)", [str(on_duckdb)])
    con.execute("attach $1 as spark (read_only)", [str(on_spark)])
    yield con
    con.close()


def test_the_spark_run_published_from_the_exported_raw_layer(
    built: tuple[Path, Path, str], both: duckdb.DuckDBPyConnection
) -> None:
    _, on_spark, output = built
    (log,) = re.findall(r"^  log +(\S+)$", output, flags=re.MULTILINE)
    steps = Path(log).read_text()
    assert "exported the raw layer for Spark" in steps
    assert re.search(r"copied \d+ tables of the Spark build", steps)
    (run_id,) = both.execute(
        "select run_id from spark.audit.publications order by published_at desc limit 1"
    ).fetchone()
    assert (
        run_id
        != both.execute(  # a second publication, by the Spark run
            "select run_id from duck.audit.publications order by published_at desc limit 1"
        ).fetchone()[0]
    )
    raw = SparkFiles.of_warehouse(on_spark).raw
    days = sorted(path.name for path in (raw / "events").iterdir())
    assert days and all(day.startswith("arrival_date=") for day in days)
    (exported,) = both.execute(
        "select count(*) from read_parquet($1, hive_partitioning = true)",
        [str(raw / "events" / "*" / "*.parquet")],
    ).fetchone()
    assert exported == both.execute("select count(*) from spark.raw.events").fetchone()[0]


def test_every_published_mart_is_the_same_on_spark(both: duckdb.DuckDBPyConnection) -> None:
    on_duckdb, on_spark = published(both, "duck"), published(both, "spark")
    assert len(on_duckdb) >= 23
    assert on_spark == on_duckdb  # columns, types, not-null constraints, comments
    differing = {}
    for name, columns in on_duckdb.items():
        duck = normalized(f'duck.{PUBLISHED_SCHEMA}."{name}"', columns)
        spark = normalized(f'spark.{PUBLISHED_SCHEMA}."{name}"', columns)
        (rows,) = both.execute(f"select count(*) from ({duck})").fetchone()
        (only_duck,) = both.execute(f"select count(*) from ({duck} except all {spark})").fetchone()
        (only_spark,) = both.execute(f"select count(*) from ({spark} except all {duck})").fetchone()
        if only_duck or only_spark:
            differing[name] = (rows, only_duck, only_spark)
    assert differing == {}
