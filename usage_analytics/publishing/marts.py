"""Write–audit–publish: marts are built into ``marts_candidate``, checked, then published.

dbt builds the ``marts`` folder into the candidate schema (``dbt_project.yml``). The asset checks
(dbt tests and the GX mart suites) run against the candidates; only when every blocking check has
passed does the publish asset copy each candidate into ``marts`` in one transaction. A BI tool
reading ``marts`` therefore sees either the previous publication whole or the new one whole, never
a half-built or failed build.

Each publication is recorded in ``audit.publications`` with the newest landing it includes
(``landed_through``). Batches landed after it are *pending*: the landing gate validates all of
them, so a batch whose gate failed, or whose run was killed before its gate, is checked again by
every later run until a publication includes it.

A daily run changes few rows of the large event-grain marts, so those (``meta.publish_unit:
user_key`` in their dbt yml: ``fct_events``, ``fct_sessions``, ``fct_funnel_steps``) are
published by user: the rows of the users in ``audit.audit_users_unpublished`` (touched by event
copies loaded after the previous publication, the same rule the incremental models rebuild by)
are deleted and copied again. A table whose yml also gives ``meta.publish_range`` (``reaches``,
a time column, and ``order``, a column ordering a user's rows) has only part of each user
replaced: the rows ordered at or after the first row, on either side, that reaches the user's
``rebuild_from`` (nothing of a user changed before it; every row when it is null). So
``fct_events`` replaces a user's events from ``rebuild_from`` on, and ``fct_sessions`` its
sessions from the first one that ends at or after it. That is exact only while no incremental
model was rebuilt whole since the previous publication (first build, ``--full-refresh``,
``forget``, edited definitions): ``audit.incremental_state.rebuilt_whole_at`` tells, and
otherwise the table is copied whole, as is any table whose columns changed and every other
mart.

The candidates' table and column comments (the dbt descriptions ``persist_docs`` stores) are
copied onto the published tables in the same transaction (``comments.py``): a copy does not
carry them.
"""

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import duckdb

from usage_analytics.publishing.comments import copy_comments
from usage_analytics.warehouse.schema import ensure_schema, has_relation

CANDIDATE_SCHEMA = "marts_candidate"
PUBLISHED_SCHEMA = "marts"

TOUCHED_USERS_VIEW = "audit.audit_users_unpublished"

# load_ids landed after the latest publication (all of them before the first)
PENDING_LOAD_IDS_SQL = """
select distinct load_id
from raw.load_manifest
where landed_at > coalesce(
    (select max(landed_through) from audit.publications),
    '-infinity'::timestamp
)
"""

ALL_LOAD_IDS_SQL = "select distinct load_id from raw.load_manifest"

_CREATE_PREFIX = re.compile(
    rf"^CREATE TABLE {CANDIDATE_SCHEMA}\.(\"?)([A-Za-z0-9_]+)\1\s*\(", re.IGNORECASE
)


@dataclass(frozen=True)
class RowRange:
    """Which rows of a touched user a by-user table replaces (``meta.publish_range``): those
    ordered by ``order`` at or after the first row, in the candidate or the published table,
    whose ``reaches`` column is at or after the user's ``rebuild_from``."""

    reaches: str
    order: str


@dataclass(frozen=True)
class ReplacedRows:
    """The rows of one mart a publication replaced by user: the rows (alias ``table_rows``) of
    the users in the temporary table ``ranges`` that meet ``condition``. The serving copy
    replaces the same rows, so the temporary table lives as long as the connection."""

    ranges: str
    condition: str


@dataclass(frozen=True)
class Publication:
    """What one publish step did."""

    publication_id: str
    published_at: dt.datetime
    landed_through: dt.datetime | None
    row_counts: dict[str, int]
    rows_copied: dict[str, int]  # rows written per table (all of them unless published by user)
    previous_publication_id: str | None = None  # the publication this one follows
    replaced_by_user: dict[str, ReplacedRows] = field(default_factory=dict)  # the other: whole


def pending_load_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The landing batches no publication includes yet (all of them before the first).

    Works on a read-only connection: a warehouse that never published has no publications table.
    """
    sql = PENDING_LOAD_IDS_SQL if has_relation(con, "audit.publications") else ALL_LOAD_IDS_SQL
    return sorted(row[0] for row in con.execute(sql).fetchall())


def published_ddl(candidate_sql: str, table: str) -> str:
    """The candidate's ``CREATE TABLE`` statement, re-targeted at the published schema.

    Keeps the column types and the constraints the enforced dbt contract created.
    """
    match = _CREATE_PREFIX.match(candidate_sql)
    if match is None or match.group(2) != table:
        raise ValueError(f"unexpected DDL for {CANDIDATE_SCHEMA}.{table}: {candidate_sql[:120]}")
    return f'CREATE TABLE {PUBLISHED_SCHEMA}."{table}"(' + candidate_sql[match.end() :]


def publish_marts(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    run_id: str,
    by_user: Mapping[str, RowRange | None] | None = None,
) -> Publication:
    """Copies every candidate table into ``marts`` and records the publication, atomically.

    Args:
        con: A read-write connection to the warehouse.
        tables: The mart tables to publish (every model of the marts folder).
        run_id: The Dagster run that built and checked the candidates.
        by_user: Those of ``tables`` that may be published by user (column ``user_key``),
            each with its row range or None (all the user's rows): only the rows of the users
            touched since the previous publication are replaced, when that is exact (see the
            module's documentation).

    Raises:
        ValueError: A candidate table is missing; nothing is published.
    """
    by_user = by_user or {}
    ensure_schema(con)
    ddl = _table_ddl(con, CANDIDATE_SCHEMA)
    missing = sorted(set(tables) - set(ddl))
    if missing:
        raise ValueError(f"candidate tables missing from {CANDIDATE_SCHEMA}: {', '.join(missing)}")
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row_counts: dict[str, int] = {}
    rows_copied: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {PUBLISHED_SCHEMA}")
        (landed_through,) = con.execute("select max(landed_at) from raw.load_manifest").fetchone()
        (events_loaded_through,) = con.execute("select max(loaded_at) from raw.events").fetchone()
        rebuilt_whole_at = _models_rebuilt_whole_at(con)
        previous = con.execute(
            "select publication_id, events_loaded_through, models_rebuilt_whole_at"
            " from audit.publications order by published_at desc limit 1"
        ).fetchone()
        incremental = _can_publish_by_user(con, previous, rebuilt_whole_at)
        replaced_by_user: dict[str, ReplacedRows] = {}
        published_ddl_now = _table_ddl(con, PUBLISHED_SCHEMA)
        if incremental and by_user:
            con.execute(
                "create or replace temp table users_unpublished as"
                f" select user_key, rebuild_from from {TOUCHED_USERS_VIEW}"
            )
        for table in tables:
            target_ddl = published_ddl(ddl[table], table)
            same_columns = _columns_part(published_ddl_now.get(table)) == _columns_part(ddl[table])
            if incremental and table in by_user and same_columns:
                replaced_by_user[table] = _touched_rows(con, table, by_user[table])
                rows_copied[table] = replace_rows(
                    con,
                    f'{PUBLISHED_SCHEMA}."{table}"',
                    f'{CANDIDATE_SCHEMA}."{table}"',
                    replaced_by_user[table],
                )
            else:
                con.execute(f'drop table if exists {PUBLISHED_SCHEMA}."{table}"')
                con.execute(target_ddl)
                con.execute(
                    f'insert into {PUBLISHED_SCHEMA}."{table}" '
                    f'select * from {CANDIDATE_SCHEMA}."{table}"'
                )
            (row_counts[table],) = con.execute(
                f'select count(*) from {PUBLISHED_SCHEMA}."{table}"'
            ).fetchone()
            rows_copied.setdefault(table, row_counts[table])  # copied whole
        (database,) = con.execute("select current_database()").fetchone()
        copy_comments(con, tables, (database, CANDIDATE_SCHEMA), (database, PUBLISHED_SCHEMA))
        publication_id = uuid.uuid4().hex
        con.execute(
            "insert into audit.publications (publication_id, run_id, published_at,"
            " landed_through, count_tables, count_rows, events_loaded_through,"
            " models_rebuilt_whole_at, count_rows_copied)"
            " values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [
                publication_id,
                run_id,
                published_at,
                landed_through,
                len(tables),
                sum(row_counts.values()),
                events_loaded_through,
                rebuilt_whole_at,
                sum(rows_copied.values()),
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return Publication(
        publication_id,
        published_at,
        landed_through,
        row_counts,
        rows_copied,
        previous_publication_id=None if previous is None else previous[0],
        replaced_by_user=replaced_by_user,
    )


def _table_ddl(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, str]:
    """``CREATE TABLE`` statement of every table of a schema, by table name."""
    return dict(
        con.execute(
            "select table_name, sql from duckdb_tables() where schema_name = $1", [schema]
        ).fetchall()
    )


def _columns_part(ddl: str | None) -> str | None:
    """A ``CREATE TABLE`` statement without its ``CREATE TABLE <name>`` head."""
    return None if ddl is None else ddl[ddl.index("(") :]


def _models_rebuilt_whole_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When an incremental model was last rebuilt whole (None: unknown, or none recorded)."""
    if not has_relation(con, "audit.incremental_state", "rebuilt_whole_at"):
        return None
    (rebuilt_whole_at,) = con.execute(
        "select max(rebuilt_whole_at) from audit.incremental_state"
    ).fetchone()
    return rebuilt_whole_at


def _can_publish_by_user(
    con: duckdb.DuckDBPyConnection,
    previous: tuple[object, ...] | None,
    rebuilt_whole_at: dt.datetime | None,
) -> bool:
    """Whether the candidates differ from the published marts only in the rows of the users
    touched since the previous publication (``previous``: its id, event watermark and
    ``models_rebuilt_whole_at``): there is one, it recorded its event watermark, and no
    incremental model was rebuilt whole since."""
    return (
        previous is not None
        and previous[1] is not None
        and rebuilt_whole_at is not None
        and previous[2] == rebuilt_whole_at
        and has_relation(con, TOUCHED_USERS_VIEW)
    )


def _touched_rows(
    con: duckdb.DuckDBPyConnection, table: str, row_range: RowRange | None
) -> ReplacedRows:
    """The rows of the touched users (temporary table ``users_unpublished``, see publish_marts)
    that a by-user table replaces: all of them, or from the start of ``row_range`` on (kept in
    a temporary table of the table's own, ``rows_unpublished_<table>``).

    Writing only the rows that differ (``except`` of the touched users' rows both ways) was
    measured slower at 50k users: the comparison costs more than the writes it saves.
    """
    if row_range is None:
        return ReplacedRows("users_unpublished", "true")
    published = f'{PUBLISHED_SCHEMA}."{table}"'
    candidate = f'{CANDIDATE_SCHEMA}."{table}"'
    ranges = f'"rows_unpublished_{table}"'
    reaching = (
        f"select table_rows.user_key, table_rows.{row_range.order} as order_value"
        " from {table} as table_rows"
        " inner join users_unpublished on table_rows.user_key = users_unpublished.user_key"
        " where users_unpublished.rebuild_from is null"
        f" or table_rows.{row_range.reaches} >= users_unpublished.rebuild_from"
    )
    con.execute(
        f"create or replace temp table {ranges} as"
        " select user_key, min(order_value) as replaced_from from ("
        f"{reaching.format(table=published)} union all {reaching.format(table=candidate)}"
        ") as rows_reaching group by user_key"
    )
    return ReplacedRows(ranges, f"table_rows.{row_range.order} >= {ranges}.replaced_from")


def replace_rows(
    con: duckdb.DuckDBPyConnection, target: str, source: str, replaced: ReplacedRows
) -> int:
    """Replaces the ``replaced`` rows of ``target`` by those of ``source``; returns how many
    rows were written."""
    ranges, condition = replaced.ranges, replaced.condition
    con.execute(
        f"delete from {target} as table_rows using {ranges}"
        f" where table_rows.user_key = {ranges}.user_key and ({condition})"
    )
    (written,) = con.execute(
        f"insert into {target} select table_rows.* from {source} as table_rows"
        f" inner join {ranges} on table_rows.user_key = {ranges}.user_key"
        f" where {condition}"
    ).fetchone()
    return int(written)
