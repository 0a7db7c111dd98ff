"""A Spark build's tables copied into the DuckDB warehouse (spark/warehouse_copy.py), and what a
run on the spark target needs (spark/runtime.py)."""

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_project import built_model_tables, dbt_project, prepare_manifest
from usage_analytics.spark import runtime
from usage_analytics.spark.warehouse_copy import (
    Column,
    ModelTable,
    SparkTableMissing,
    copy_built_tables,
    spark_table_folder,
)

FCT = ModelTable(
    schema="marts_candidate",
    name="fct_things",
    contract=(
        Column("thing_id", "string", not_null=True),
        Column("properties", "json"),
        Column("amount", "decimal(28,6)"),
    ),
    description="One row per thing; it's described",
    column_descriptions={"thing_id": "The thing's id", "properties": "", "amount": "Money"},
)
LOG = ModelTable(schema="audit", name="load_log")  # no contract, no persist_docs
VIEW = ModelTable(schema="audit", name="users_view", view=True)


def spark_table(tables: Path, schema: str, name: str, select: str) -> None:
    """Writes ``select``'s rows where Spark keeps ``schema.name``: one Parquet part file."""
    folder = spark_table_folder(tables, schema, name)
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"copy ({select}) to '{folder / 'part-00000.snappy.parquet'}' (format parquet)")


def spark_things(tables: Path, select: str) -> None:
    """Writes ``select``'s rows as Spark's ``marts_candidate.fct_things``."""
    spark_table(tables, "marts_candidate", "fct_things", select)


@pytest.fixture
def tables(tmp_path: Path) -> Path:
    """Spark's table folder."""
    return tmp_path / "tables"


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse holding an earlier DuckDB build: candidate, view, incremental state."""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts_candidate; create schema audit")
    con.execute("create table marts_candidate.fct_things (thing_id varchar, stale boolean)")
    con.execute("insert into marts_candidate.fct_things values ('old', true)")
    con.execute("create view audit.users_view as select 1 as user_key")
    con.execute("create table audit.incremental_state (model_name varchar)")
    con.execute("insert into audit.incremental_state values ('marts_candidate.fct_things')")
    yield con
    con.close()


def test_a_contract_table_is_created_from_its_contract_and_filled_by_name(
    tables: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    # Spark's column order need not be the contract's; its JSON is text, its money a decimal
    spark_things(
        tables,
        "select * from (values (cast(1.5 as decimal(28,6)), 't1', '{\"a\": 1}'),"
        " (null, 't2', null)) as spark_rows(amount, thing_id, properties)",
    )
    spark_table(tables, "audit", "load_log", "select 'load-1' as load_id, 3 as count_lines")

    copied = copy_built_tables(warehouse, tables, [FCT, LOG, VIEW])

    assert copied == {"marts_candidate.fct_things": 2, "audit.load_log": 1}
    columns = warehouse.execute(
        "select column_name, data_type, is_nullable, comment from duckdb_columns()"
        " where table_name = 'fct_things' order by column_index"
    ).fetchall()
    assert columns == [
        ("thing_id", "VARCHAR", False, "The thing's id"),
        ("properties", "JSON", True, ""),
        ("amount", "DECIMAL(28,6)", True, "Money"),
    ]
    assert warehouse.execute(
        "select comment from duckdb_tables() where table_name = 'fct_things'"
    ).fetchone() == ("One row per thing; it's described",)
    assert warehouse.execute(
        "select thing_id, properties ->> 'a', amount from marts_candidate.fct_things order by 1"
    ).fetchall() == [("t1", "1", 1.5), ("t2", None, None)]
    assert warehouse.execute("select * from audit.load_log").fetchall() == [("load-1", 3)]
    # the DuckDB build's view and incremental state no longer describe the candidates
    assert warehouse.execute(
        "select count(*) from duckdb_views() where view_name = 'users_view'"
    ).fetchone() == (0,)
    assert warehouse.execute("select count(*) from audit.incremental_state").fetchone() == (0,)


def test_a_null_in_a_not_null_column_fails_and_changes_nothing(
    tables: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    spark_things(
        tables,
        "select cast(null as varchar) as thing_id, '{}' as properties, 1.0 as amount",
    )
    with pytest.raises(duckdb.ConstraintException, match="thing_id"):
        copy_built_tables(warehouse, tables, [FCT])
    assert warehouse.execute("select * from marts_candidate.fct_things").fetchall() == [
        ("old", True)
    ]
    assert warehouse.execute("select count(*) from audit.incremental_state").fetchone() == (1,)


def test_a_missing_spark_table_is_named_and_nothing_changes(
    tables: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    with pytest.raises(SparkTableMissing, match=r"marts_candidate\.db/fct_things"):
        copy_built_tables(warehouse, tables, [VIEW, FCT])
    assert warehouse.execute(
        "select count(*) from duckdb_views() where view_name = 'users_view'"
    ).fetchone() == (1,)


def test_a_data_type_that_is_not_one_is_refused(
    tables: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    spark_table(tables, "audit", "bad", "select 1 as x")
    bad = ModelTable(schema="audit", name="bad", contract=(Column("x", "int); drop table t; --"),))
    with pytest.raises(ValueError, match="data type"):
        copy_built_tables(warehouse, tables, [bad])


def test_the_project_s_models_as_the_warehouse_holds_them() -> None:
    """From the manifest Dagster reads (parsed for duckdb): aliases, views, DuckDB's contract
    types, not-null constraints and persist_docs."""
    prepare_manifest()
    manifest = json.loads(dbt_project().manifest_path.read_text())
    ids = list(manifest["nodes"])
    models = {
        (model.schema, model.name): model
        for model in built_model_tables(manifest, ids, ("marts_candidate", "audit"))
    }
    fct_events = models[("marts_candidate", "fct_events")]
    contract = {column.name: column for column in fct_events.contract}
    assert contract["properties"].data_type == "json"
    assert contract["event_id"].not_null and not contract["user_id"].not_null
    assert fct_events.description and fct_events.column_descriptions["event_id"]
    assert models[("audit", "audit_users_unpublished")].view
    late = models[("audit", "late_arrivals")]  # the relation's name, not the model's
    assert not late.view and not late.contract and late.description is None
    assert late.column_descriptions == {}
    assert not any(schema in ("staging", "intermediate") for schema, _ in models)


def test_a_machine_without_java_is_told_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.importlib.util, "find_spec", lambda name: object())
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "")
    assert runtime.missing_requirement() == (
        "the spark target needs Java 17 (java on PATH or JAVA_HOME): make java"
    )
    monkeypatch.setattr(runtime.importlib.util, "find_spec", lambda name: None)
    assert "`spark` extra" in (runtime.missing_requirement() or "")
