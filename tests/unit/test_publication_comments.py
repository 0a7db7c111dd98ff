"""The marts' descriptions (dbt's persist_docs comments) survive publication: `marts` and the
serving copy carry the candidates' table and column comments, whatever text they hold."""

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.unit.test_serving_copy import by_user_warehouse, publish_by_user
from usage_analytics.publishing.comments import copy_comments, string_literal

HOSTILE = [
    "it's a user's key",
    "ends with a quote'",
    "'); drop table marts.agg; --",
    "$dbt_comment_literal_block$ and $$dollars$$",
    "back\\slash \\' and a\nnew line",
    "ünïcödé — 日本語",
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_comment_literal_reads_back_as_the_text(text: str) -> None:
    con = duckdb.connect()
    con.execute("create table t (a integer)")
    con.execute(f"comment on table t is {string_literal(text)}")
    assert con.execute("select comment from duckdb_tables()").fetchone() == (text,)
    assert con.execute("select count(*) from t").fetchone() == (0,)


def test_a_nul_character_is_refused() -> None:
    with pytest.raises(ValueError, match="NUL"):
        string_literal("a\x00b")


def test_copy_comments_sets_and_clears_the_target_s_comments() -> None:
    con = duckdb.connect()
    con.execute("create schema source; create schema target")
    con.execute('create table source.t (a integer, "odd ""name""" integer)')
    con.execute('create table target.t (a integer, "odd ""name""" integer)')
    con.execute("comment on table source.t is 'table'")
    con.execute('comment on column source.t."odd ""name""" is \'odd\'')
    con.execute("comment on column target.t.a is 'stale'")
    (database,) = con.execute("select current_database()").fetchone()
    copy_comments(con, ["t"], (database, "source"), (database, "target"))
    assert con.execute(
        "select column_name, comment from duckdb_columns() where schema_name = 'target'"
        " order by column_index"
    ).fetchall() == [("a", None), ('odd "name"', "odd")]
    assert con.execute(
        "select comment from duckdb_tables() where schema_name = 'target'"
    ).fetchone() == ("table",)


def described(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, str | None]:
    """Every comment of schema ``marts`` in ``catalog``: ``table`` and ``table.column``."""
    tables = con.execute(
        "select table_name, comment from duckdb_tables()"
        " where database_name = $1 and schema_name = 'marts'",
        [catalog],
    ).fetchall()
    columns = con.execute(
        "select table_name || '.' || column_name, comment from duckdb_columns()"
        " where database_name = $1 and schema_name = 'marts'",
        [catalog],
    ).fetchall()
    return dict(tables + columns)


def describe_candidates(con: duckdb.DuckDBPyConnection, version: int) -> dict[str, str | None]:
    """Comments on the candidate marts, as dbt's persist_docs leaves them; returns them as
    ``described`` will read them once published."""
    expected = {
        "agg": f"v{version}: {HOSTILE[0]}",
        "agg.total": f"v{version}: {HOSTILE[2]}",
        "fct_events": f"v{version}: {HOSTILE[4]}",
        "fct_events.user_key": f"v{version}: {HOSTILE[3]}",
        "fct_events.event_id": None,
        "fct_events.event_at": f"v{version}: {HOSTILE[5]}",
    }
    for name, comment in expected.items():
        if comment is not None:
            kind = "column" if "." in name else "table"
            con.execute(f"comment on {kind} marts_candidate.{name} is {string_literal(comment)}")
    return expected


def test_published_marts_and_the_serving_copy_keep_the_descriptions(tmp_path: Path) -> None:
    """Whole publications and publications by user (the serving copy then starts as a byte
    copy of the previous one) both carry the candidates' current descriptions."""
    serving = tmp_path / "w.serving.duckdb"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        by_user_warehouse(con)
        (database,) = con.execute("select current_database()").fetchone()
        for version, touched in enumerate([{}, {"u1": dt.datetime(2026, 1, 5)}]):
            expected = describe_candidates(con, version)
            publication = publish_by_user(con, serving, touched)
            assert bool(publication.replaced_by_user) == bool(touched)
            assert described(con, database) == expected
            con.execute("attach $1 as bi (read_only)", [str(serving)])
            assert described(con, "bi") == expected
            con.execute("detach bi")
    finally:
        con.close()
