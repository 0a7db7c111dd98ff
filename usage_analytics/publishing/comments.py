"""The marts' descriptions, carried from the candidates to every published copy.

dbt stores each mart's description and its columns' descriptions as DuckDB comments on the
candidate tables (``persist_docs`` in ``dbt_project.yml``), which is what a BI tool's schema
browser shows. Publishing writes new tables (``CREATE TABLE`` from the candidate's DDL, or
``CREATE TABLE ... AS`` in the serving copy), and neither carries comments, so the publish step
copies them after the rows, table by table and column by column.

``COMMENT ON`` takes a constant, not a bound parameter, so a description reaches the statement
as a string literal built by ``string_literal`` (quotes doubled), never pasted in as it is.
"""

from collections.abc import Sequence

import duckdb


def string_literal(text: str) -> str:
    """``text`` as a SQL string literal: in single quotes, each quote doubled.

    Raises:
        ValueError: ``text`` holds a NUL character, which no DuckDB string can.
    """
    if "\x00" in text:
        raise ValueError("a comment cannot hold a NUL character")
    return "'" + text.replace("'", "''") + "'"


def quoted_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (double quotes, each one doubled)."""
    return '"' + name.replace('"', '""') + '"'


def copy_comments(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    source: tuple[str, str],
    target: tuple[str, str],
) -> int:
    """Gives each table of ``target`` the table and column comments of the same table in
    ``source`` (a comment the source lacks is removed from the target).

    Args:
        con: A connection that has both databases attached.
        tables: The tables to carry comments for; each exists in both schemas.
        source: ``(database, schema)`` the comments come from.
        target: ``(database, schema)`` they go to.

    Returns:
        How many comments were set (null ones included).
    """
    table_comments = dict(
        con.execute(
            "select table_name, comment from duckdb_tables()"
            " where database_name = $1 and schema_name = $2 and list_contains($3, table_name)",
            [*source, list(tables)],
        ).fetchall()
    )
    column_comments = con.execute(
        "select table_name, column_name, comment from duckdb_columns()"
        " where database_name = $1 and schema_name = $2 and list_contains($3, table_name)"
        " order by table_name, column_index",
        [*source, list(tables)],
    ).fetchall()
    prefix = f"{quoted_identifier(target[0])}.{quoted_identifier(target[1])}"
    statements = [
        f"comment on table {prefix}.{quoted_identifier(table)} is {_value(comment)}"
        for table, comment in sorted(table_comments.items())
    ]
    statements += [
        f"comment on column {prefix}.{quoted_identifier(table)}.{quoted_identifier(column)}"
        f" is {_value(comment)}"
        for table, column, comment in column_comments
    ]
    for statement in statements:
        con.execute(statement)
    return len(statements)


def _value(comment: str | None) -> str:
    return "null" if comment is None else string_literal(comment)
