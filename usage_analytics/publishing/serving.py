"""The serving copy: the published marts in a DuckDB file of their own, for BI tools.

DuckDB lets a read-only connection in one process block every writer of the file in another, so
a BI tool connected to the warehouse all day would make every run fail. BI tools open the serving
copy instead (``<warehouse stem>.serving.duckdb`` beside the warehouse by default,
``USAGE_ANALYTICS_SERVING_WAREHOUSE``), which a run never opens: each publication is written into
a new file next to it, then renamed over it (``os.replace``, atomic on one file system). A reader
that holds the old file open keeps reading the old file whole; a reader that connects afterwards
gets the new one whole. Either way it sees one publication, never a mix, and never a lock.

Writing every mart anew costs what the publication's copy into ``marts`` cost again: for the
event-grain marts, most of the step. So when the publication replaced the large marts' rows by
user (``Publication.replaced_by_user``), the new file starts as a byte copy of the serving copy
(read as a file, never opened), if that holds the publication before, and gets the same rows
replaced, from ``marts``, and the other marts written anew. A file grown a quarter empty (DuckDB
reuses the space of deleted rows only in part), or any doubt (another publication, other
tables, a row count off), and the copy is written whole instead.

The file holds:

- schema ``marts``: every published mart, as ``marts`` of the warehouse holds it, with its
  table and column comments (the dbt descriptions a BI tool's schema browser shows);
- ``audit.publication``: one row, the publication these marts are (id, run, time, landings
  included, row count);
- ``audit.publication_tables``: one row per mart with its row count at publication;
- ``audit.publication_gates``: one row per gate (asset check) of the run that published, with
  its status: every blocking gate passed, or nothing would have been published;
- ``audit.publication_settings``: the dbt vars the marts were built with (``reporting_timezone``
  ...), one row each, so that a reader knows which days and sessions it is looking at.
"""

import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from usage_analytics.publishing.comments import copy_comments
from usage_analytics.publishing.marts import PUBLISHED_SCHEMA, Publication, replace_rows
from usage_analytics.quality.gates import Gate

SERVING_SUFFIX = ".serving.duckdb"
SERVING_ALIAS = "serving_copy"
WRITING_SUFFIX = ".writing"
MAX_FREE_SHARE = 0.25  # a copied file with more free space than this is written whole
RECORD_TABLES = ("publication", "publication_tables", "publication_gates", "publication_settings")


@dataclass(frozen=True)
class PublicationRecord:
    """What the serving copy records beside the marts: who published them and how they were
    built (the ``audit`` tables of the module's list)."""

    run_id: str
    gates: Sequence[Gate] = ()  # the run's gates, as they stood when it published
    settings: Mapping[str, object] = field(default_factory=dict)  # the run's dbt vars


def default_serving_path(warehouse: Path) -> Path:
    """The serving copy of ``warehouse`` when no setting names it: ``<stem>.serving.duckdb``."""
    return warehouse.with_name(warehouse.stem + SERVING_SUFFIX)


def write_serving_copy(
    con: duckdb.DuckDBPyConnection,
    serving: Path,
    tables: Sequence[str],
    publication: Publication,
    run_id: str,
    *,
    gates: Sequence[Gate] = (),
    settings: Mapping[str, object] | None = None,
) -> Path:
    """Writes the published marts into a new file and renames it over ``serving``.

    Args:
        con: A connection to the warehouse, after the publication committed.
        serving: The serving copy to replace (it need not exist).
        tables: The published marts.
        publication: What the publish step just published.
        run_id: The Dagster run that published.
        gates: The gates of that run (``audit.publication_gates``).
        settings: The dbt vars the marts were built with (``audit.publication_settings``).

    Returns:
        ``serving``, now holding this publication.
    """
    serving.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(serving)
    writing = serving.with_name(f".{serving.name}.{uuid.uuid4().hex}{WRITING_SUFFIX}")
    record = PublicationRecord(run_id, gates, settings or {})
    try:
        if not _replace_changed_rows(con, serving, writing, tables, publication, record):
            _attach(con, writing)
            _copy_publication(con, tables, publication, record)
        con.execute(f"checkpoint {SERVING_ALIAS}")
        con.execute(f"detach {SERVING_ALIAS}")
        os.replace(writing, serving)
    except BaseException:
        # the old serving copy stays as it is; the half-written file goes
        _discard(con, writing)
        raise
    return serving


def _attach(con: duckdb.DuckDBPyConnection, writing: Path) -> None:
    con.execute(f"attach $1 as {SERVING_ALIAS}", [str(writing)])


def _discard(con: duckdb.DuckDBPyConnection, writing: Path) -> None:
    """Detaches and removes a new file that will not become the serving copy."""
    if _attached(con):
        con.execute(f"detach {SERVING_ALIAS}")
    for path in (writing, writing.with_name(writing.name + ".wal")):
        path.unlink(missing_ok=True)


def _replace_changed_rows(
    con: duckdb.DuckDBPyConnection,
    serving: Path,
    writing: Path,
    tables: Sequence[str],
    publication: Publication,
    record: PublicationRecord,
) -> bool:
    """Writes ``writing`` as a copy of ``serving`` with the publication's changes, when it can.

    Returns:
        True with ``writing`` attached and holding the publication; False with nothing
        attached or left behind, when the copy must be written whole (see the module).
    """
    if not publication.replaced_by_user or not serving.is_file():
        return False
    shutil.copyfile(serving, writing)
    try:
        _attach(con, writing)
        usable = _holds_previous(con, tables, publication)
    except duckdb.Error:  # not a serving copy this code wrote: write it whole
        usable = False
    if not usable:
        _discard(con, writing)
        return False
    target = f"{SERVING_ALIAS}.{PUBLISHED_SCHEMA}"
    con.execute("begin transaction")
    try:
        for table in tables:
            published, copied = f'{PUBLISHED_SCHEMA}."{table}"', f'{target}."{table}"'
            if table in publication.replaced_by_user:
                replace_rows(con, copied, published, publication.replaced_by_user[table])
            else:
                con.execute(f"drop table {copied}")
                con.execute(f"create table {copied} as select * from {published}")
        if _row_counts(con, target, tables) != {t: publication.row_counts[t] for t in tables}:
            con.execute("rollback")
            _discard(con, writing)
            return False
        _copy_comments(con, tables)
        _record_publication(con, tables, publication, record)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return True


def _holds_previous(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], publication: Publication
) -> bool:
    """Whether the attached copy holds the publication before ``publication``, those marts
    exactly, and is not a quarter empty."""
    held = con.execute(f"select publication_id from {SERVING_ALIAS}.audit.publication").fetchall()
    marts = con.execute(
        "select table_name from duckdb_tables() where database_name = $1 and schema_name = $2",
        [SERVING_ALIAS, PUBLISHED_SCHEMA],
    ).fetchall()
    (free_share,) = con.execute(
        "select free_blocks / greatest(total_blocks, 1) from pragma_database_size()"
        " where database_name = $1",
        [SERVING_ALIAS],
    ).fetchone()
    return (
        held == [(publication.previous_publication_id,)]
        and {row[0] for row in marts} == set(tables)
        and free_share <= MAX_FREE_SHARE
    )


def _row_counts(
    con: duckdb.DuckDBPyConnection, schema: str, tables: Sequence[str]
) -> dict[str, int]:
    return {
        table: con.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
        for table in tables
    }


def _copy_publication(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    publication: Publication,
    record: PublicationRecord,
) -> None:
    """The marts and the publication's record, into the attached new file (one transaction)."""
    target = f"{SERVING_ALIAS}.{PUBLISHED_SCHEMA}"
    con.execute("begin transaction")
    try:
        con.execute(f"create schema {target}")
        con.execute(f"create schema {SERVING_ALIAS}.audit")
        for table in tables:
            con.execute(
                f'create table {target}."{table}" as select * from {PUBLISHED_SCHEMA}."{table}"'
            )
        _copy_comments(con, tables)
        _record_publication(con, tables, publication, record)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _copy_comments(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> None:
    """The published marts' table and column comments, onto their copies in the new file."""
    (database,) = con.execute("select current_database()").fetchone()
    copy_comments(con, tables, (database, PUBLISHED_SCHEMA), (SERVING_ALIAS, PUBLISHED_SCHEMA))


def _record_publication(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    publication: Publication,
    record: PublicationRecord,
) -> None:
    """The ``audit`` tables of the attached new file (a copied file's are replaced)."""
    audit = f"{SERVING_ALIAS}.audit"
    for table in RECORD_TABLES:
        con.execute(f"drop table if exists {audit}.{table}")
    con.execute(
        f"create table {audit}.publication ("
        " publication_id varchar not null, run_id varchar not null,"
        " published_at timestamp not null, landed_through timestamp,"
        " count_tables integer not null, count_rows bigint not null)"
    )
    con.execute(
        f"insert into {audit}.publication values ($1, $2, $3, $4, $5, $6)",
        [
            publication.publication_id,
            record.run_id,
            publication.published_at,
            publication.landed_through,
            len(tables),
            sum(publication.row_counts.values()),
        ],
    )
    con.execute(
        f"create table {audit}.publication_tables ("
        " table_name varchar not null primary key, count_rows bigint not null)"
    )
    con.executemany(
        f"insert into {audit}.publication_tables values ($1, $2)",
        [[table, publication.row_counts[table]] for table in tables],
    )
    con.execute(
        f"create table {audit}.publication_gates ("
        " gate varchar not null primary key, source varchar not null,"
        " severity varchar not null, is_blocking boolean not null,"
        " status varchar not null, count_failures integer not null)"
    )
    if record.gates:
        con.executemany(
            f"insert into {audit}.publication_gates values ($1, $2, $3, $4, $5, $6)",
            [
                [
                    gate.name,
                    gate.source,
                    gate.severity,
                    gate.is_blocking,
                    gate.status,
                    len(gate.failures),
                ]
                for gate in record.gates
            ],
        )
    con.execute(
        f"create table {audit}.publication_settings ("
        " setting_name varchar not null primary key, setting_value varchar not null)"
    )
    if record.settings:
        con.executemany(
            f"insert into {audit}.publication_settings values ($1, $2)",
            [[name, _setting_text(value)] for name, value in sorted(record.settings.items())],
        )


def _setting_text(value: object) -> str:
    """A var's value as text: a string or date as it is, anything else as JSON."""
    return str(value) if isinstance(value, str | dt.date) else json.dumps(value)


def _attached(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_databases() where database_name = $1", [SERVING_ALIAS]
        ).fetchone()[0]
    )


def _remove_leftovers(serving: Path) -> None:
    """Removes new files a killed publication left half written beside ``serving``."""
    for path in serving.parent.glob(f".{serving.name}.*{WRITING_SUFFIX}*"):
        path.unlink(missing_ok=True)


def serving_publication(serving: Path) -> str | None:
    """The publication id the serving copy holds (None: no serving copy yet)."""
    if not serving.is_file():
        return None
    con = duckdb.connect(str(serving), read_only=True)
    try:
        row = con.execute("select publication_id from audit.publication").fetchone()
    finally:
        con.close()
    return None if row is None else str(row[0])
