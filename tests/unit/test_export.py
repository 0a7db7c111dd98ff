"""``usage-analytics export``: the serving copy's published marts as Parquet files, streamed,
renamed into place whole, with a manifest; bad invocations exit 2 in one line."""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.cli import main
from usage_analytics.publishing import export as export_module
from usage_analytics.publishing.export import MANIFEST_NAME, ExportError, export_marts
from usage_analytics.publishing.marts import Publication
from usage_analytics.publishing.serving import default_serving_path, write_serving_copy

MARTS = ("agg_daily", "empty_mart", "fct_things")


def publish(warehouse: Path, publication_id: str, count_things: int) -> Path:
    """A warehouse whose marts hold the column types the real marts use (and nulls, quotes, a
    JSON column, an empty mart), published into its serving copy; returns the serving copy."""
    serving = default_serving_path(warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.fct_things as select"
            " 'thing ''' || n || '\"' as thing_id,"
            " n::bigint as count_items,"
            " case when n % 7 = 0 then null else n / 3.0 end as share,"
            " (n * 1.25)::decimal(18, 2) as amount,"
            " timestamp '2026-01-05 10:00:00' + to_minutes(n) as event_at,"
            " date '2026-01-05' + (n % 30)::integer as event_date,"
            " n % 2 = 0 as is_even,"
            " ['a', 'b'][1:(n % 3)] as tags,"
            " json_object('n', n) as properties"
            " from range($1) as numbers(n)",
            [count_things],
        )
        con.execute(
            "create or replace table marts.agg_daily as select date '2026-01-05' + n::integer"
            " as activity_date, n * 10 as count_active_users from range(9) as numbers(n)"
        )
        con.execute("create or replace table marts.empty_mart (mart_key varchar, value double)")
        counts = {
            name: con.execute(f"select count(*) from marts.{name}").fetchone()[0] for name in MARTS
        }
        publication = Publication(
            publication_id, dt.datetime(2026, 2, 1, 8), dt.datetime(2026, 2, 1, 7), counts, counts
        )
        write_serving_copy(con, serving, list(MARTS), publication, "run")
    finally:
        con.close()
    return serving


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    publish(path, "first", count_things=250)
    return path


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list:
    return con.execute(sql, params or []).fetchall()


def test_every_published_mart_round_trips_through_parquet_in_batches(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = export_marts(default_serving_path(warehouse), out, batch_rows=64)
    assert result.publication_id == "first"
    assert result.row_counts == {"agg_daily": 9, "empty_mart": 0, "fct_things": 250}
    con = duckdb.connect(str(default_serving_path(warehouse)), read_only=True)
    try:
        for name in MARTS:
            path = out / f"{name}.parquet"
            parquet = rows(con, "select * from read_parquet($1) order by all", [str(path)])
            assert parquet == rows(con, f"select * from marts.{name} order by all"), name
            columns = [field.name for field in pq.read_schema(path)]
            assert columns == [row[0] for row in con.execute(f"describe marts.{name}").fetchall()]
    finally:
        con.close()
    assert pq.ParquetFile(out / "fct_things.parquet").metadata.num_row_groups == 4  # streamed
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["publication_id"] == "first"
    assert manifest["published_at"] == "2026-02-01T08:00:00"
    assert manifest["tables"]["fct_things"] == {"file": "fct_things.parquet", "rows": 250}
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [MANIFEST_NAME, *(f"{name}.parquet" for name in MARTS)]
    )  # no hidden writing folder left


def test_the_export_reads_the_serving_copy_while_the_warehouse_is_held_and_changed(
    warehouse: Path, tmp_path: Path
) -> None:
    writer = duckdb.connect(str(warehouse))  # a run holding the warehouse
    try:
        writer.execute("insert into marts.agg_daily values (date '2027-01-01', 1)")
        result = export_marts(default_serving_path(warehouse), tmp_path / "out")
    finally:
        writer.close()
    assert result.row_counts["agg_daily"] == 9


def test_a_failed_export_leaves_the_previous_files_whole(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    export_marts(default_serving_path(warehouse), out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    publish(warehouse, "second", count_things=300)
    write_parquet = export_module._write_parquet

    def disk_full_at_fct_things(con, name, path, batch_rows):  # type: ignore[no-untyped-def]
        if name == "fct_things":
            raise OSError(28, "No space left on device", str(path))
        return write_parquet(con, name, path, batch_rows)

    monkeypatch.setattr(export_module, "_write_parquet", disk_full_at_fct_things)
    with pytest.raises(ExportError, match="No space left on device"):
        export_marts(default_serving_path(warehouse), out)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before

    monkeypatch.undo()
    export_marts(default_serving_path(warehouse), out)
    assert json.loads((out / MANIFEST_NAME).read_text())["tables"]["fct_things"]["rows"] == 300
    assert pq.read_metadata(out / "fct_things.parquet").num_rows == 300


def test_the_command_exports_the_serving_copy_of_the_warehouse_it_is_given(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new folder" / "marts"
    code = main(["export", "--format", "parquet", "--out", str(out), "--warehouse", str(warehouse)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith("usage-analytics export: 3 marts of publication first")
    assert str(out) in captured.out and captured.err == ""
    assert pq.read_metadata(out / "agg_daily.parquet").num_rows == 9


def one_line_error(capsys: pytest.CaptureFixture[str], *expected: str) -> None:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    for text in expected:
        assert text in lines[0], lines[0]


def test_no_serving_copy_yet_exits_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "never_published.duckdb"
    code = main(["export", "--out", str(tmp_path / "out"), "--warehouse", str(warehouse)])
    assert code == 2
    one_line_error(capsys, "no serving copy at", "never_published.serving.duckdb")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("out", ["a_file", "a_file/below"])
def test_an_out_that_cannot_be_written_exits_2_in_one_line(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], out: str
) -> None:
    (tmp_path / "a_file").write_text("not a folder")
    code = main(["export", "--out", str(tmp_path / out), "--warehouse", str(warehouse)])
    assert code == 2
    one_line_error(capsys, f"--out '{tmp_path / 'a_file'}")


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "is not a serving copy"), (b"not a database", "cannot open the serving copy")],
)
def test_a_file_that_is_not_a_serving_copy_exits_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, expected: str
) -> None:
    serving = tmp_path / "w.serving.duckdb"
    if content is None:
        duckdb.connect(str(serving)).close()  # a DuckDB file without a publication
    else:
        serving.write_bytes(content)
    code = main(["export", "--out", str(tmp_path / "out"), "--warehouse", str(tmp_path / "w.db")])
    assert code == 2
    one_line_error(capsys, expected, str(serving))
    assert not (tmp_path / "out").exists()


def test_an_unknown_format_exits_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["export", "--format", "csv", "--out", str(tmp_path / "out")])
    assert exited.value.code == 2
    one_line_error(capsys, "--format", "'csv'")
