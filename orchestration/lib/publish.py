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
"""

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

CANDIDATE_SCHEMA = "marts_candidate"
PUBLISHED_SCHEMA = "marts"

PUBLICATIONS_DDL = """
create schema if not exists audit;
create table if not exists audit.publications (
    publication_id varchar not null primary key,
    run_id varchar not null,
    published_at timestamp not null,   -- UTC
    landed_through timestamp,          -- max(raw.load_manifest.landed_at) the marts include
    count_tables integer not null,
    count_rows bigint not null
);
"""

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
class Publication:
    """What one publish step did."""

    publication_id: str
    published_at: dt.datetime
    landed_through: dt.datetime | None
    row_counts: dict[str, int]


def ensure_publications_table(con: duckdb.DuckDBPyConnection) -> None:
    """Creates ``audit.publications`` if it is missing."""
    con.execute(PUBLICATIONS_DDL)


def pending_load_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The landing batches no publication includes yet (all of them before the first).

    Works on a read-only connection: a warehouse that never published has no publications table.
    """
    (has_publications,) = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'audit' and table_name = 'publications'"
    ).fetchone()
    sql = PENDING_LOAD_IDS_SQL if has_publications else ALL_LOAD_IDS_SQL
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
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], run_id: str
) -> Publication:
    """Copies every candidate table into ``marts`` and records the publication, atomically.

    Args:
        con: A read-write connection to the warehouse.
        tables: The mart tables to publish (every model of the marts folder).
        run_id: The Dagster run that built and checked the candidates.

    Raises:
        ValueError: A candidate table is missing; nothing is published.
    """
    ensure_publications_table(con)
    ddl = dict(
        con.execute(
            "select table_name, sql from duckdb_tables() where schema_name = $1",
            [CANDIDATE_SCHEMA],
        ).fetchall()
    )
    missing = sorted(set(tables) - set(ddl))
    if missing:
        raise ValueError(f"candidate tables missing from {CANDIDATE_SCHEMA}: {', '.join(missing)}")
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row_counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {PUBLISHED_SCHEMA}")
        (landed_through,) = con.execute("select max(landed_at) from raw.load_manifest").fetchone()
        for table in tables:
            con.execute(f'drop table if exists {PUBLISHED_SCHEMA}."{table}"')
            con.execute(published_ddl(ddl[table], table))
            con.execute(
                f'insert into {PUBLISHED_SCHEMA}."{table}" '
                f'select * from {CANDIDATE_SCHEMA}."{table}"'
            )
            (row_counts[table],) = con.execute(
                f'select count(*) from {PUBLISHED_SCHEMA}."{table}"'
            ).fetchone()
        publication_id = uuid.uuid4().hex
        con.execute(
            "insert into audit.publications values ($1, $2, $3, $4, $5, $6)",
            [
                publication_id,
                run_id,
                published_at,
                landed_through,
                len(tables),
                sum(row_counts.values()),
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return Publication(publication_id, published_at, landed_through, row_counts)
