"""A Spark build's marts and audit tables, copied into the DuckDB warehouse.

A run on the ``spark`` target (``usage-analytics run --target spark``, docs/spark.md) lands into
the DuckDB warehouse as every run does, exports its raw layer as Parquet
(``raw_export.py``), and builds and tests the dbt project on Spark, whose tables are Parquet
folders under ``<spark dir>/tables/<schema>.db/<table>`` (session mode). What comes after the
build reads the DuckDB warehouse: the publish step copies ``marts_candidate`` into ``marts`` and
the serving copy, the report reads that copy, and analysts read ``audit``. So the tables the
build made in those two schemas are copied in here, in one transaction:

- a model with an enforced contract gets its table created from the contract as dbt-duckdb
  creates it (the DuckDB rendering of the column types, JSON included, and the not-null
  constraints), then its rows inserted by column name; any other model's table is created
  from its Parquet files as they are;
- a view of those schemas (``audit_users_unpublished``, over DuckDB's intermediate tables) is
  dropped: it would describe a DuckDB build the candidates no longer come from;
- DuckDB's incremental state is emptied: its incremental models no longer describe the
  candidates, so the next DuckDB build rebuilds every user of each (mode ``all``), and the
  next publication copies every mart whole (``usage_analytics/publishing/marts.py``);
- the descriptions dbt's ``persist_docs`` would have written become table and column comments.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from usage_analytics.publishing.comments import quoted_identifier, string_literal
from usage_analytics.warehouse.schema import has_relation

# a contract's data type as the project writes them (`string`, `decimal(28,6)`, `varchar[]`)
DATA_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*(\(\d+(, ?\d+)?\))?(\[\])?$")
INCREMENTAL_STATE = "audit.incremental_state"


@dataclass(frozen=True)
class Column:
    """A contract column: its name, DuckDB data type, and whether it must not be null."""

    name: str
    data_type: str
    not_null: bool = False


@dataclass(frozen=True)
class ModelTable:
    """What dbt built for one model, as the DuckDB warehouse holds it."""

    schema: str
    name: str  # the relation's name (the model's alias)
    view: bool = False
    contract: tuple[Column, ...] = ()  # empty: no enforced contract
    description: str | None = None  # the table's comment (None: persist_docs off)
    # column -> its comment (empty: persist_docs leaves the columns alone)
    column_descriptions: dict[str, str] = field(default_factory=dict)


class SparkTableMissing(ValueError):
    """A model the build reported built has no Parquet folder where session mode writes it."""


def spark_table_folder(tables: Path, schema: str, name: str) -> Path:
    """Where Spark (session mode, a local metastore) keeps a managed table's files."""
    return tables / f"{schema}.db" / name


def copy_built_tables(
    con: duckdb.DuckDBPyConnection, tables: Path, models: Sequence[ModelTable]
) -> dict[str, int]:
    """Replaces each model's relation in the DuckDB warehouse with the table Spark built.

    Args:
        con: A read-write connection to the warehouse.
        tables: Spark's table folder (``<spark dir>/tables``).
        models: The models of the build to copy (tables) or drop (views).

    Returns:
        Rows copied per table (``schema.name``).

    Raises:
        SparkTableMissing: A table's folder is missing; nothing is changed.
    """
    folders = {
        (model.schema, model.name): spark_table_folder(tables, model.schema, model.name)
        for model in models
        if not model.view
    }
    missing = [str(folder) for folder in folders.values() if not folder.is_dir()]
    if missing:
        raise SparkTableMissing(f"Spark built no table at {missing[0]}")
    counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        for model in models:
            relation = f"{quoted_identifier(model.schema)}.{quoted_identifier(model.name)}"
            con.execute(f"create schema if not exists {quoted_identifier(model.schema)}")
            _drop(con, model.schema, model.name)
            if model.view:
                continue
            files = sorted(
                str(path) for path in folders[model.schema, model.name].glob("*.parquet")
            )
            _create(con, relation, model, files)
            _comment(con, relation, model)
            (counts[f"{model.schema}.{model.name}"],) = con.execute(
                f"select count(*) from {relation}"
            ).fetchone()
        if has_relation(con, INCREMENTAL_STATE):
            con.execute(f"delete from {INCREMENTAL_STATE}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def _drop(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    """Drops the warehouse's table or view ``schema.name``, whichever it is."""
    kinds = con.execute(
        "select 'view' from duckdb_views() where database_name = current_database()"
        " and schema_name = $1 and view_name = $2"
        " union all"
        " select 'table' from duckdb_tables() where database_name = current_database()"
        " and schema_name = $1 and table_name = $2",
        [schema, name],
    ).fetchall()
    for (kind,) in kinds:
        con.execute(f"drop {kind} {quoted_identifier(schema)}.{quoted_identifier(name)}")


def _create(
    con: duckdb.DuckDBPyConnection, relation: str, model: ModelTable, files: list[str]
) -> None:
    """Creates ``relation`` from its contract (or from the files) and fills it from ``files``."""
    if not model.contract:
        if files:
            con.execute(f"create table {relation} as select * from read_parquet($1)", [files])
            return
        raise SparkTableMissing(f"Spark wrote no Parquet file for {relation}")
    definitions = []
    for column in model.contract:
        if not DATA_TYPE.match(column.data_type):
            raise ValueError(f"{relation}.{column.name}: data type {column.data_type!r}")
        not_null = " not null" if column.not_null else ""
        definitions.append(f"{quoted_identifier(column.name)} {column.data_type}{not_null}")
    con.execute(f"create table {relation} ({', '.join(definitions)})")
    if files:
        names = ", ".join(quoted_identifier(column.name) for column in model.contract)
        con.execute(
            f"insert into {relation} ({names}) select {names} from read_parquet($1)", [files]
        )


def _comment(con: duckdb.DuckDBPyConnection, relation: str, model: ModelTable) -> None:
    """The table's and its columns' descriptions as comments, as ``persist_docs`` sets them."""
    if model.description is not None:
        con.execute(f"comment on table {relation} is {string_literal(model.description)}")
    for name, description in model.column_descriptions.items():
        con.execute(
            f"comment on column {relation}.{quoted_identifier(name)}"
            f" is {string_literal(description)}"
        )
