"""The serving copy: the published marts in a file of their own, replaced whole."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.resources import SettingError, Warehouse, from_env
from usage_analytics.publishing.marts import Publication
from usage_analytics.publishing.serving import (
    default_serving_path,
    serving_publication,
    write_serving_copy,
)

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
