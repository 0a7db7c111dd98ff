"""What a table holds, at a glance: its row count, the time its rows cover, a few of its rows.

The Dagster UI shows this on each materialization (``orchestration/table_metadata.py``). The
time covered is the range of the table's first date or timestamp column (the grain's time:
``activity_date`` of ``agg_active_users``, ``event_at`` of ``fct_events``), named with it. A
profile costs a count, a min/max scan of one column and a ``limit``: milliseconds on the
sample, well under a second on ten-million-row tables.
"""

import datetime as dt
from dataclasses import dataclass

import duckdb

TIME_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
PREVIEW_ROWS = 5
PREVIEW_COLUMNS = 10
PREVIEW_CELL_CHARACTERS = 40


@dataclass(frozen=True)
class TimeRange:
    """The first and last value of a table's time column."""

    column: str
    first: dt.date | dt.datetime | None
    last: dt.date | dt.datetime | None

    def describe(self) -> str:
        """``2026-01-05 .. 2026-03-05 (activity_date)``; ``no rows`` for an empty table."""
        if self.first is None or self.last is None:
            return f"no rows ({self.column})"
        return f"{_text(self.first)} .. {_text(self.last)} ({self.column})"


@dataclass(frozen=True)
class TableProfile:
    """A table's row count, time range (None: no date or timestamp column) and preview (a
    markdown table of its first rows; None when not asked for)."""

    row_count: int
    time_range: TimeRange | None
    preview: str | None


def profile_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    *,
    preview: bool,
    row_count: int | None = None,
) -> TableProfile:
    """Profiles ``schema.table`` (names of existing tables, quoted here).

    Args:
        con: A connection to the database that holds the table.
        schema: Its schema.
        table: Its name.
        preview: Whether to render a few rows (leave it off for tables of user-level rows:
            the Dagster event log keeps what it is given, and ``forget`` does not reach it).
        row_count: The count when the caller knows it already (not counted again).
    """
    relation = f"{_quoted(schema)}.{_quoted(table)}"
    if row_count is None:
        (row_count,) = con.execute(f"select count(*) from {relation}").fetchone()
    time_column = con.execute(
        "select column_name from duckdb_columns() where database_name = current_database()"
        " and schema_name = $1 and table_name = $2 and list_contains($3, data_type)"
        " order by column_index limit 1",
        [schema, table, list(TIME_TYPES)],
    ).fetchone()
    time_range = None
    if time_column is not None:
        column = _quoted(time_column[0])
        first, last = con.execute(f"select min({column}), max({column}) from {relation}").fetchone()
        time_range = TimeRange(time_column[0], first, last)
    return TableProfile(row_count, time_range, _preview(con, relation) if preview else None)


def _preview(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """The first ``PREVIEW_ROWS`` rows as a markdown table (``PREVIEW_COLUMNS`` columns, long
    values cut)."""
    cursor = con.execute(f"select * from {relation} limit {PREVIEW_ROWS}")
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    shown = names[:PREVIEW_COLUMNS]
    lines = [
        "| " + " | ".join(shown) + " |",
        "|" + "---|" * len(shown),
        *("| " + " | ".join(_cell(value) for value in row[: len(shown)]) + " |" for row in rows),
    ]
    if len(names) > len(shown):
        lines.append(f"\n{len(shown)} of {len(names)} columns")
    return "\n".join(lines)


def _text(value: object) -> str:
    """A value as the preview and the time range show it: times to the second, floats to four
    significant digits."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _cell(value: object) -> str:
    text = "" if value is None else _text(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    if len(text) > PREVIEW_CELL_CHARACTERS:
        text = text[: PREVIEW_CELL_CHARACTERS - 1] + "…"
    return text


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
