"""BI tools stay connected all day: they read the serving copy, which a run never waits on.

A reader process holds the serving copy open (read-only) through a whole run and keeps querying
it, on that connection and on fresh ones; the run succeeds, and every query saw one publication
whole. The same run checks the default output (one progress line per step, the logs in a file).
A program that holds the warehouse itself makes a command exit 3 with one line. A BI tool's
SQLAlchemy connection through duckdb-engine (README "BI tools") reads the same rows as the DuckDB
client, and `usage-analytics export` writes the same marts as Parquet files.
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from orchestration.cli import main
from tests.conftest import query, run_cli
from usage_analytics.publishing.serving import RECORD_TABLES

pytestmark = pytest.mark.integration

# Queries the serving copy in a loop until the stop file appears, one JSON line per query:
# "held" on one connection opened at the start, "fresh" on a new connection each round (in its
# own process: connections of one process share the database DuckDB opened first).
READER = r"""
import json, os, sys, time
import duckdb

kind, serving, log_path, stop_path = sys.argv[1:5]
held = duckdb.connect(serving, read_only=True) if kind == "held" else None


def observe(con):
    publication, count_tables = con.execute(
        "select publication_id, count_tables from audit.publication"
    ).fetchone()
    recorded = dict(
        con.execute("select table_name, count_rows from audit.publication_tables").fetchall()
    )
    tables = {
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    }
    counts = {
        table: con.execute(f'select count(*) from marts."{table}"').fetchone()[0]
        for table in sorted(tables)
    }
    whole = counts == recorded and len(tables) == count_tables
    return {"publication": publication, "whole": whole}


with open(log_path, "a", encoding="utf-8") as log:
    while not os.path.exists(stop_path):
        try:
            con = held or duckdb.connect(serving, read_only=True)
            try:
                result = observe(con)
            finally:
                if held is None:
                    con.close()
        except Exception as error:
            result = {"error": repr(error)}
        result["kind"] = kind
        log.write(json.dumps(result) + "\n")
        log.flush()
        time.sleep(0.05)
"""

# Holds a DuckDB file open read-only, as a BI tool connected to the warehouse would.
HOLDER = r"""
import sys, time
import duckdb

con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(120)
"""

ANSI = re.compile(r"\x1b\[")


def generate(out: Path, seed: int, start: str) -> None:
    result = run_cli(
        "generate",
        "--out",
        str(out),
        "--users",
        "30",
        "--days",
        "4",
        "--seed",
        str(seed),
        "--start",
        start,
    )
    assert result.returncode == 0, result.stderr


def latest_publication(warehouse: Path) -> str:
    return query(
        warehouse,
        "select publication_id from audit.publications order by published_at desc limit 1",
    )[0][0]


@pytest.fixture(scope="module")
def reader_through_a_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A first run publishes; a reader then holds the serving copy through a second run that
    lands more events."""
    work = tmp_path_factory.mktemp("bi")
    events, warehouse = work / "events", work / "warehouse.duckdb"
    serving = work / "warehouse.serving.duckdb"
    generate(events / "first", seed=1, start="2026-01-05")
    first = run_cli("run", "--events", str(events), "--warehouse", str(warehouse))
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert serving.is_file()
    first_publication = latest_publication(warehouse)

    stop = work / "stop"
    logs = {kind: work / f"{kind}.jsonl" for kind in ("held", "fresh")}
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, kind, str(serving), str(log), str(stop)])
        for kind, log in logs.items()
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(log.exists() and log.read_text().count("\n") >= 2 for log in logs.values()):
            assert time.monotonic() < deadline, "a reader never observed the serving copy"
            time.sleep(0.1)
        generate(events / "second", seed=2, start="2026-01-09")
        second = run_cli("run", "--events", str(events), "--warehouse", str(warehouse))
        time.sleep(1.0)  # a few more rounds after the publication
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
    return {
        "warehouse": warehouse,
        "serving": serving,
        "first_publication": first_publication,
        "second": second,
        "observations": [
            json.loads(line)
            for log in logs.values()
            for line in log.read_text(encoding="utf-8").splitlines()
        ],
    }


def test_a_run_succeeds_while_a_reader_holds_the_serving_copy(
    reader_through_a_run: dict[str, object],
) -> None:
    second = reader_through_a_run["second"]
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "usage-analytics run: OK" in second.stdout
    assert (
        latest_publication(reader_through_a_run["warehouse"])
        != (reader_through_a_run["first_publication"])
    )


def test_every_query_of_the_reader_saw_one_whole_publication(
    reader_through_a_run: dict[str, object],
) -> None:
    observations = reader_through_a_run["observations"]
    first = reader_through_a_run["first_publication"]
    second = latest_publication(reader_through_a_run["warehouse"])
    assert [item for item in observations if "error" in item or not item["whole"]] == []
    held = {item["publication"] for item in observations if item["kind"] == "held"}
    fresh = [item["publication"] for item in observations if item["kind"] == "fresh"]
    assert held == {first}  # the held connection keeps reading the file it opened
    assert set(fresh) <= {first, second}
    assert fresh[0] == first and fresh[-1] == second  # fresh connections moved on, whole


def test_after_reconnecting_a_reader_sees_the_new_publication_whole(
    reader_through_a_run: dict[str, object],
) -> None:
    warehouse, serving = reader_through_a_run["warehouse"], reader_through_a_run["serving"]
    assert query(serving, "select publication_id from audit.publication") == [
        (latest_publication(warehouse),)
    ]
    tables = [row[0] for row in query(serving, "select table_name from duckdb_tables()")]
    published = [
        row[0]
        for row in query(
            warehouse, "select table_name from duckdb_tables() where schema_name = 'marts'"
        )
    ]
    assert sorted(published) == sorted(set(tables) - set(RECORD_TABLES))
    for table in published:
        sql = f'select * from marts."{table}" order by all'
        assert query(serving, sql) == query(warehouse, sql), table


def test_default_output_is_progress_and_summary_with_the_logs_in_a_file(
    reader_through_a_run: dict[str, object],
) -> None:
    stdout = reader_through_a_run["second"].stdout
    lines = stdout.splitlines()
    for step in ("land_events", "landing_gates", "dbt_models", "publish_marts_asset"):
        assert f"usage-analytics run: {step} done in " in stdout, step
    assert any(re.match(r"usage-analytics run: land_events: landing batch 1/1 ", x) for x in lines)
    assert "Running with dbt" not in stdout and " START " not in stdout
    assert not ANSI.search(stdout)  # not a terminal: no colour codes
    serving = reader_through_a_run["serving"]
    assert f"  BI tools    {serving} (open it read-only)" in lines
    (log_line,) = [line for line in lines if line.startswith("  log ")]
    log = Path(log_line.split(maxsplit=1)[1]).read_text(encoding="utf-8")
    assert "Running with dbt" in log and "published 23 marts" in log
    assert not ANSI.search(log)
    assert log.count("Logging an `AssetObservation`") <= 1


def test_a_program_holding_the_warehouse_makes_a_command_exit_3_in_one_line(
    reader_through_a_run: dict[str, object],
) -> None:
    warehouse = reader_through_a_run["warehouse"]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        result = run_cli(
            "run",
            "--warehouse",
            str(warehouse),
            "--events",
            str(warehouse.parent / "events"),
            env={"USAGE_ANALYTICS_LOCK_TIMEOUT_SECONDS": "1"},
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stderr.startswith(f"usage-analytics run: warehouse busy: {warehouse} is held by ")
    assert f"(PID {holder.pid})" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def sqlalchemy_url(serving: Path) -> str:
    """The URL README "BI tools" gives Superset and other SQLAlchemy clients."""
    return f"duckdb:///{serving}?access_mode=read_only"


def published_marts(serving: Path) -> list[str]:
    return [row[0] for row in query(serving, "select table_name from audit.publication_tables")]


def test_sqlalchemy_through_duckdb_engine_reads_the_rows_the_duckdb_client_reads(
    reader_through_a_run: dict[str, object],
) -> None:
    serving = reader_through_a_run["serving"]
    marts = published_marts(serving)
    checked = {"agg_active_users", "agg_funnel_conversion", "fct_events"}
    assert checked <= set(marts)
    expected = {}
    for mart in marts:  # the DuckDB client first: one process opens a file one way at a time
        con = duckdb.connect(str(serving), read_only=True)
        try:
            cursor = con.execute(f'select * from marts."{mart}" order by all')
            columns = [column[0] for column in cursor.description]
            types = [column[1] for column in cursor.description]
            rows = cursor.fetchall()
        finally:
            con.close()
        # duckdb-engine parses JSON columns (fct_events.properties) into Python values
        json_columns = [index for index, kind in enumerate(types) if str(kind) == "JSON"]
        expected[mart] = (
            columns,
            [
                tuple(
                    json.loads(value) if index in json_columns and value is not None else value
                    for index, value in enumerate(row)
                )
                for row in rows
            ],
        )
    engine = sa.create_engine(sqlalchemy_url(serving))
    try:
        with engine.connect() as connection:
            for mart in marts:
                result = connection.execute(sa.text(f'select * from marts."{mart}" order by all'))
                actual = list(result.keys()), [tuple(row) for row in result.fetchall()]
                assert actual == expected[mart], mart
        assert all(expected[mart][1] for mart in checked), "a mart compared holds no row"
    finally:
        engine.dispose()


def test_the_sqlalchemy_connection_cannot_write_the_serving_copy(
    reader_through_a_run: dict[str, object],
) -> None:
    engine = sa.create_engine(sqlalchemy_url(reader_through_a_run["serving"]))
    try:
        with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError, match="read-only"):
            connection.execute(sa.text("delete from marts.agg_active_users"))
    finally:
        engine.dispose()


def test_sqlalchemy_reflection_lists_the_marts_and_information_schema_their_columns(
    reader_through_a_run: dict[str, object],
) -> None:
    """What a BI tool's schema browser can reflect with the pinned set (README "BI tools"):
    table names, yes; ``get_columns``, no (duckdb-engine 0.17 on SQLAlchemy 2.1 queries
    ``pg_catalog.pg_collation``, which DuckDB lacks), so columns come from
    ``information_schema.columns``. When ``get_columns`` starts working, update the README."""
    serving = reader_through_a_run["serving"]
    marts = published_marts(serving)
    columns_sql = (
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' order by table_name, ordinal_position"
    )
    expected_columns = query(serving, columns_sql)
    engine = sa.create_engine(sqlalchemy_url(serving))
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            assert sorted(inspector.get_table_names(schema="marts")) == sorted(marts)
            assert inspector.has_table("agg_active_users", schema="marts")
            columns = [tuple(row) for row in connection.execute(sa.text(columns_sql))]
        assert columns == expected_columns
        assert {row[0] for row in columns} == set(marts)
        with (
            engine.connect() as connection,
            pytest.raises(sa.exc.ProgrammingError, match="pg_collation"),
        ):
            sa.inspect(connection).get_columns("agg_active_users", schema="marts")
    finally:
        engine.dispose()


def test_export_writes_every_published_mart_of_the_serving_copy_as_parquet(
    reader_through_a_run: dict[str, object], tmp_path: Path
) -> None:
    warehouse, serving = reader_through_a_run["warehouse"], reader_through_a_run["serving"]
    out = tmp_path / "parquet"
    assert main(["export", "--out", str(out), "--warehouse", str(warehouse)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert (
        manifest["publication_id"]
        == query(serving, "select publication_id from audit.publication")[0][0]
    )
    recorded = dict(query(serving, "select table_name, count_rows from audit.publication_tables"))
    assert {name: table["rows"] for name, table in manifest["tables"].items()} == recorded
    for name in recorded:
        assert pq.read_metadata(out / f"{name}.parquet").num_rows == recorded[name], name
    sql = "select * from {} order by all"
    assert query(
        serving, sql.format("read_parquet($1)"), [str(out / "agg_active_users.parquet")]
    ) == (query(serving, sql.format("marts.agg_active_users")))
