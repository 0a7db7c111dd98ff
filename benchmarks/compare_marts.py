"""Compare every table of the marts schema of two warehouses, row for row.

    .venv/bin/python benchmarks/compare_marts.py BEFORE.duckdb AFTER.duckdb [--schema marts]

For a refactoring that must not change any number: build the marts before and after it from
the same events, then compare. Both files are attached read-only. Each table's rows are
compared with ``except all`` both ways (duplicates count), on the columns of the table by
name; its columns (names, types and order) must match too, and a table in one warehouse only
is a difference. Columns that are run metadata, not results, are left out of the row
comparison: by default ``fct_events.load_id`` (the id of the landing run that loaded the
event, a new one every run); ``--ignore-column TABLE.COLUMN`` adds more.

Prints one line per table (rows in each, rows only in BEFORE, rows only in AFTER) and exits
1 on any difference, else 0.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

RUN_METADATA_COLUMNS = ("fct_events.load_id",)


@dataclass(frozen=True)
class TableComparison:
    """How one table of the schema compares between the two warehouses."""

    table: str
    rows_before: int | None  # None: the table is missing in that warehouse
    rows_after: int | None
    only_before: int = 0
    only_after: int = 0
    columns_differ: bool = False

    @property
    def differs(self) -> bool:
        return (
            self.rows_before is None
            or self.rows_after is None
            or self.columns_differ
            or self.only_before > 0
            or self.only_after > 0
        )


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def table_columns(
    con: duckdb.DuckDBPyConnection, database: str, schema: str
) -> dict[str, list[tuple[str, str]]]:
    """(column name, type) in order, per table of one schema of an attached warehouse."""
    rows = con.execute(
        "select table_name, column_name, data_type from duckdb_columns()"
        " where database_name = ? and schema_name = ? order by table_name, column_index",
        [database, schema],
    ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    return columns


def rows_only_in(
    con: duckdb.DuckDBPyConnection, relation: str, other: str, select_list: str
) -> int:
    """Rows of `relation` not in `other` (``except all``: a duplicate counts each time)."""
    return int(
        con.execute(
            f"select count(*) from (select {select_list} from {relation}"
            f" except all select {select_list} from {other})"
        ).fetchall()[0][0]
    )


def compare_marts(
    before: Path, after: Path, schema: str = "marts", ignore: tuple[str, ...] = ()
) -> list[TableComparison]:
    """Compare every table of `schema` in two warehouses (see the module docstring)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{before}' as before_warehouse (read_only)")
        con.execute(f"attach '{after}' as after_warehouse (read_only)")
        columns_before = table_columns(con, "before_warehouse", schema)
        columns_after = table_columns(con, "after_warehouse", schema)
        comparisons = []
        for table in sorted(columns_before.keys() | columns_after.keys()):
            relations = {
                side: f"{side}_warehouse.{quoted(schema)}.{quoted(table)}"
                for side in ("before", "after")
            }
            counts = {
                side: (
                    con.execute(f"select count(*) from {relations[side]}").fetchall()[0][0]
                    if table in side_columns
                    else None
                )
                for side, side_columns in (("before", columns_before), ("after", columns_after))
            }
            if table not in columns_before or table not in columns_after:
                comparisons.append(TableComparison(table, counts["before"], counts["after"]))
                continue
            compared = [
                quoted(name)
                for name, _ in columns_before[table]
                if f"{table}.{name}" not in ignore
                and name in {after_name for after_name, _ in columns_after[table]}
            ]
            select_list = ", ".join(compared)
            comparisons.append(
                TableComparison(
                    table,
                    counts["before"],
                    counts["after"],
                    only_before=rows_only_in(
                        con, relations["before"], relations["after"], select_list
                    ),
                    only_after=rows_only_in(
                        con, relations["after"], relations["before"], select_list
                    ),
                    columns_differ=columns_before[table] != columns_after[table],
                )
            )
        return comparisons
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="warehouse built before the change")
    parser.add_argument("after", type=Path, help="warehouse built after the change")
    parser.add_argument("--schema", default="marts", help="schema to compare (default marts)")
    parser.add_argument(
        "--ignore-column",
        action="append",
        default=list(RUN_METADATA_COLUMNS),
        metavar="TABLE.COLUMN",
        help=f"run metadata left out of the row comparison (default {RUN_METADATA_COLUMNS})",
    )
    args = parser.parse_args(argv)
    for path in (args.before, args.after):
        if not path.exists():
            parser.error(f"{path} does not exist")

    comparisons = compare_marts(args.before, args.after, args.schema, tuple(args.ignore_column))
    if not comparisons:
        print(f"no table in schema {args.schema} of either warehouse")
        return 1
    print(f"schema {args.schema}; left out of the rows compared: {', '.join(args.ignore_column)}")
    header = ("rows before", "rows after", "only before", "only after")
    print(f"{'table':<36}" + "".join(f" {column:>12}" for column in header))
    for comparison in comparisons:
        note = ""
        if comparison.rows_before is None or comparison.rows_after is None:
            note = "  missing in one warehouse"
        elif comparison.columns_differ:
            note = "  columns differ (names, types or order)"
        print(
            f"{comparison.table:<36} {comparison.rows_before!s:>12} {comparison.rows_after!s:>12}"
            f" {comparison.only_before:>12} {comparison.only_after:>12}{note}"
        )
    differing = [comparison.table for comparison in comparisons if comparison.differs]
    print(
        f"{len(differing)} of {len(comparisons)} tables differ"
        + (f": {', '.join(differing)}" if differing else "")
    )
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
