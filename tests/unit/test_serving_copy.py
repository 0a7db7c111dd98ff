"""The serving copy: the published marts in a file of their own, replaced whole."""

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.defs.resources import SettingError, Warehouse, from_env
from usage_analytics.publishing import serving as serving_module
from usage_analytics.publishing.marts import Publication, RowRange, publish_marts
from usage_analytics.publishing.serving import (
    default_serving_path,
    serving_publication,
    write_serving_copy,
)
from usage_analytics.quality.gates import Gate
from usage_analytics.warehouse.schema import ensure_schema

# a reader in another process: the publication and row count it sees, each time it is asked
READER = r"""
import sys
import duckdb

con = duckdb.connect(sys.argv[1], read_only=True)
for _ in sys.stdin:
    row = con.execute(
        "select publication_id, (select count(*) from marts.fct_events) from audit.publication"
    ).fetchone()
    print(*row, flush=True)
"""


def publish(con: duckdb.DuckDBPyConnection, serving: Path, publication_id: str, rows: int) -> None:
    con.execute("create schema if not exists marts")
    con.execute(
        "create or replace table marts.fct_events as select range as id from range($1)", [rows]
    )
    con.execute("create or replace table marts.dim_users as select 1 as user_key")
    counts = {"fct_events": rows, "dim_users": 1}
    publication = Publication(publication_id, dt.datetime(2026, 1, 1), None, counts, counts)
    write_serving_copy(con, serving, ["dim_users", "fct_events"], publication, f"run-{rows}")


def test_the_serving_copy_is_named_after_the_warehouse() -> None:
    warehouse = Path("/data/warehouse.duckdb")
    assert default_serving_path(warehouse) == Path("/data/warehouse.serving.duckdb")
    assert Warehouse(database=str(warehouse)).serving_path == Path("/data/warehouse.serving.duckdb")
    assert Warehouse(database=str(warehouse), serving_database="/bi/marts.duckdb").serving_path == (
        Path("/bi/marts.duckdb")
    )


def test_the_serving_copy_cannot_be_the_warehouse(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("USAGE_ANALYTICS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("USAGE_ANALYTICS_SERVING_WAREHOUSE", str(tmp_path / "w.duckdb"))
    with pytest.raises(SettingError, match="USAGE_ANALYTICS_SERVING_WAREHOUSE=.*another file"):
        from_env("warehouse", Warehouse)


def test_a_reader_keeps_its_publication_and_a_new_reader_gets_the_new_one(tmp_path: Path) -> None:
    serving = tmp_path / "it's a warehouse.serving.duckdb"  # a quote in the path too
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        publish(con, serving, "first", rows=3)
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(serving)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            reader.stdin.write("?\n")
            reader.stdin.flush()
            assert reader.stdout.readline().split() == ["first", "3"]
            publish(con, serving, "second", rows=5)  # while the reader holds the file open
            reader.stdin.write("?\n")
            reader.stdin.flush()
            assert reader.stdout.readline().split() == ["first", "3"]
        finally:
            reader.stdin.close()
            reader.wait(timeout=30)
    finally:
        con.close()
    assert serving_publication(serving) == "second"
    assert not list(tmp_path.glob("*.writing*"))  # the new file was renamed, not copied


def test_a_failed_copy_leaves_the_previous_serving_copy_whole(tmp_path: Path) -> None:
    serving = tmp_path / "w.serving.duckdb"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        publish(con, serving, "first", rows=3)
        counts = {"fct_events": 3, "missing_mart": 1}
        publication = Publication("second", dt.datetime(2026, 1, 2), None, counts, counts)
        with pytest.raises(duckdb.CatalogException, match="missing_mart"):
            write_serving_copy(con, serving, ["fct_events", "missing_mart"], publication, "run")
        publish(con, serving, "third", rows=4)  # the connection is still usable
    finally:
        con.close()
    assert serving_publication(serving) == "third"
    assert not list(tmp_path.glob("*.writing*"))


def test_a_killed_publication_s_leftover_is_removed_by_the_next(tmp_path: Path) -> None:
    serving = tmp_path / "w.serving.duckdb"
    leftover = tmp_path / f".{serving.name}.0123.writing"
    leftover.write_bytes(b"half written")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        publish(con, serving, "first", rows=2)
    finally:
        con.close()
    assert not leftover.exists()
    assert serving_publication(serving) == "first"


def by_user_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """The least ``publish_marts`` reads to publish ``fct_events`` by user: a landing, a loaded
    event, the incremental models' state, the touched users, and two candidate marts."""
    ensure_schema(con)
    at = dt.datetime(2026, 1, 10)
    con.execute(
        "insert into raw.load_manifest (load_id, file_path, content_hash, file_size_bytes,"
        " status, count_lines, count_landed, count_quarantined, landed_at)"
        " values ('load-1', 'a.jsonl', 'hash', 1, 'landed', 1, 1, 0, $1)",
        [at],
    )
    con.execute(
        "insert into raw.events (event_id, event_type, event_name, event_at, received_at,"
        " load_id, file_path, line_number, loaded_at)"
        " values ('e', 'track', 'x', $1, $1, 'load-1', 'a.jsonl', 1, $1)",
        [at],
    )
    con.execute(
        "create table audit.incremental_state as select $1::timestamp as rebuilt_whole_at", [at]
    )
    con.execute(
        "create table audit.audit_users_unpublished (user_key varchar, rebuild_from timestamp)"
    )
    con.execute("create schema marts_candidate")
    con.execute(
        "create table marts_candidate.fct_events as select 'u' || (n % 4) as user_key,"
        " 'e' || n as event_id, timestamp '2026-01-01' + to_days(n % 9) as event_at"
        " from range(40) as numbers(n)"
    )
    con.execute("create table marts_candidate.agg as select 1 as total")


def publish_by_user(
    con: duckdb.DuckDBPyConnection,
    serving: Path,
    touched: dict[str, dt.datetime | None],
    **record: Any,
) -> Publication:
    """Rebuilds the touched users' candidate events (from ``rebuild_from`` on) and publishes."""
    con.execute("delete from audit.audit_users_unpublished")
    for user_key, rebuild_from in touched.items():
        con.execute(
            "insert into audit.audit_users_unpublished values ($1, $2)", [user_key, rebuild_from]
        )
        con.execute(
            "delete from marts_candidate.fct_events where user_key = $1"
            " and ($2 is null or event_at >= $2)",
            [user_key, rebuild_from],
        )
        con.execute(
            "insert into marts_candidate.fct_events select $1, $1 || '-new-' || n,"
            " coalesce($2, timestamp '2026-01-01') + to_hours(n) from range(3) as numbers(n)",
            [user_key, rebuild_from],
        )
    con.execute("update marts_candidate.agg set total = total + 1")
    tables = ["agg", "fct_events"]
    publication = publish_marts(
        con, tables, "run", by_user={"fct_events": RowRange("event_at", "event_at")}
    )
    write_serving_copy(con, serving, tables, publication, "run", **record)
    return publication


def assert_serving_is_published(
    con: duckdb.DuckDBPyConnection, serving: Path, publication: Publication
) -> None:
    assert serving_publication(serving) == publication.publication_id
    check = duckdb.connect(str(serving), read_only=True)
    try:
        for table in ("agg", "fct_events"):
            sql = f"select * from marts.{table} order by all"
            assert check.execute(sql).fetchall() == con.execute(sql).fetchall(), table
    finally:
        check.close()


def test_after_a_publication_by_user_the_serving_copy_replaces_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = tmp_path / "w.serving.duckdb"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        by_user_warehouse(con)
        first = publish_by_user(con, serving, {})
        assert not first.replaced_by_user  # the first publication copies whole
        assert_serving_is_published(con, serving, first)

        def written_whole(*args: object) -> None:
            raise AssertionError("the serving copy was written whole")

        monkeypatch.setattr(serving_module, "_copy_publication", written_whole)
        touched = {"u1": dt.datetime(2026, 1, 5), "u2": None}
        second = publish_by_user(con, serving, touched)
        assert set(second.replaced_by_user) == {"fct_events"}
        assert second.previous_publication_id == first.publication_id
        assert_serving_is_published(con, serving, second)
        monkeypatch.undo()

        # a serving copy of another publication (or none) is written whole
        other = Publication("other", dt.datetime(2026, 1, 3), None, {"agg": 1}, {"agg": 1})
        write_serving_copy(con, serving, ["agg"], other, "run-other")
        third = publish_by_user(con, serving, {"u3": dt.datetime(2026, 1, 7)})
        assert third.replaced_by_user
        assert_serving_is_published(con, serving, third)
    finally:
        con.close()
    assert not list(tmp_path.glob("*.writing*"))


def gate(name: str, passed: bool, severity: str = "error") -> Gate:
    return Gate(name, "dbt", severity, severity == "error", passed, [])


def test_the_serving_copy_records_the_gates_and_vars_of_its_publication(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader (the report) learns from the serving copy alone which gates the publishing run
    passed and which vars built the marts; a copy made by user replaces both."""
    serving = tmp_path / "w.serving.duckdb"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        by_user_warehouse(con)
        publish_by_user(
            con,
            serving,
            {},
            gates=[
                gate("marts/fct_events:not_null", True),
                gate("raw/events:volume", False, "warn"),
            ],
            settings={
                "reporting_timezone": "Europe/Berlin",
                "timestamp_floor": dt.date(2000, 1, 1),
                "session_timeout_minutes": 45,
            },
        )
        monkeypatch.setattr(serving_module, "_copy_publication", None)  # must copy by user
        publish_by_user(
            con,
            serving,
            {"u1": None},
            gates=[gate("marts/fct_events:not_null", True)],
            settings={"reporting_timezone": "UTC"},
        )
    finally:
        con.close()
    check = duckdb.connect(str(serving), read_only=True)
    try:
        gates = check.execute(
            "select gate, severity, is_blocking, status, count_failures"
            " from audit.publication_gates"
        ).fetchall()
        settings = check.execute("select * from audit.publication_settings").fetchall()
    finally:
        check.close()
    assert gates == [("marts/fct_events:not_null", "error", True, "PASS", 0)]
    assert settings == [("reporting_timezone", "UTC")]


def test_vars_are_recorded_as_text(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    serving = tmp_path / "w.serving.duckdb"
    try:
        con.execute("create schema marts")
        con.execute("create table marts.agg as select 1 as total")
        publication = Publication("p", dt.datetime(2026, 1, 1), None, {"agg": 1}, {"agg": 1})
        settings = {"timestamp_floor": dt.date(2000, 1, 1), "path_top_n": 5, "tz": "UTC"}
        write_serving_copy(con, serving, ["agg"], publication, "run", settings=settings)
    finally:
        con.close()
    check = duckdb.connect(str(serving), read_only=True)
    try:
        rows = dict(check.execute("select * from audit.publication_settings").fetchall())
    finally:
        check.close()
    assert rows == {"path_top_n": "5", "timestamp_floor": "2000-01-01", "tz": "UTC"}
