"""The bad-input corpus (tests/fixtures/bad_input.py), landed in one folder at once: every line
of every file is accounted for, with the right reason, and the good lines of each file land."""

import gzip
from pathlib import Path

import duckdb
import pytest

from tests.fixtures.bad_input import (
    CORPUS,
    LANDS,
    NOW,
    OUTSIDE_EVENT_ID,
    SQL_INJECTION,
    Case,
    write_case,
)
from tests.unit.landing_helpers import NOW as HELPERS_NOW
from tests.unit.landing_helpers import TABLES, land, rows
from usage_analytics.landing.files import UTF8_BOM
from usage_analytics.landing.reasons import QUARANTINE_REASONS

CASES = {case.name: case for case in CORPUS}


def physical_lines(data: bytes) -> int:
    """Lines as landing counts them: a final newline does not start another line."""
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """The whole corpus written to one landing folder and landed once."""
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "landing"
    for case in CORPUS:
        write_case(folder, case)
    con, _ = land(root, folder)
    yield con
    con.close()


def test_corpus_is_well_formed() -> None:
    assert NOW == HELPERS_NOW  # "future" timestamps are relative to the landing time
    assert len(CASES) == len(CORPUS)
    assert len({case.file_name for case in CORPUS}) == len(CORPUS)
    assert len({case.file_name.lower() for case in CORPUS}) == len(CORPUS)
    # A content already landed is skipped (CONTRACT §1), so no two files may share bytes.
    files = [case for case in CORPUS if case.entry == "file"]
    assert len({case.data for case in files}) == len(files)


def test_corpus_has_thirty_kinds_and_every_reason() -> None:
    assert len(CASES) >= 30
    produced = set().union(*(case.reasons() for case in CORPUS))
    # forgotten_user needs a forget request first: tests/unit/test_privacy_landing.py;
    # quarantined_by_operator a command after landing: tests/unit/test_operator_quarantine.py
    expected = set(QUARANTINE_REASONS) - {"forgotten_user", "quarantined_by_operator"}
    assert expected <= produced, expected - produced
    assert produced <= set(QUARANTINE_REASONS)


@pytest.mark.parametrize("name", list(CASES))
def test_case(landed: duckdb.DuckDBPyConnection, name: str) -> None:
    case: Case = CASES[name]
    path = case.file_name

    # The builder's content is what the file holds (gzip cut short: the part before the cut).
    if case.entry != "file":
        assert case.content == b""
    elif not case.is_gzip:
        assert case.content == case.data
    elif case.status == "landed" and case.data:
        assert gzip.decompress(case.data) == case.content
    assert len(case.lines) == physical_lines(case.content)

    (manifest,) = rows(landed, "select * from raw.load_manifest where file_path = ?", [path])
    assert manifest["status"] == case.status
    assert (manifest["error"] is None) == (case.status == "landed")
    assert manifest["count_lines"] == len(case.lines)
    assert manifest["count_lines"] == manifest["count_landed"] + manifest["count_quarantined"]

    # Line by line: landed under the expected event_id, or quarantined with the expected reason.
    landed_lines = {
        row["line_number"]: row["event_id"]
        for row in rows(landed, "select * from raw.events where file_path = ?", [path])
    }
    quarantined = rows(
        landed,
        "select * from audit.quarantine where file_path = ? and line_number is not null",
        [path],
    )
    quarantined_lines = {row["line_number"]: row["reason"] for row in quarantined}
    assert len(quarantined_lines) == len(quarantined)  # one row per line
    expected_landed = {
        number: expect.event_id
        for number, expect in enumerate(case.lines, start=1)
        if expect.outcome == LANDS
    }
    expected_quarantined = {
        number: expect.outcome
        for number, expect in enumerate(case.lines, start=1)
        if expect.outcome != LANDS
    }
    assert quarantined_lines == expected_quarantined
    assert landed_lines == expected_landed
    assert manifest["count_landed"] == len(landed_lines)
    assert manifest["count_quarantined"] == len(quarantined_lines)

    # A quarantined line keeps its raw text (bad bytes replaced, a leading BOM dropped).
    content = case.content.removeprefix(UTF8_BOM)
    raw_lines = content.split(b"\n")
    for row in quarantined:
        expected_raw = raw_lines[row["line_number"] - 1].decode("utf-8", errors="replace")
        assert row["raw_line"] == expected_raw, row["line_number"]

    # File-level rows: an unreadable file, or a gzip cut between lines.
    file_level = rows(
        landed,
        "select * from audit.quarantine where file_path = ? and line_number is null",
        [path],
    )
    assert [row["reason"] for row in file_level] == ([case.file_reason] if case.file_reason else [])
    for row in file_level:
        assert row["raw_line"] == manifest["error"]
        assert case.detail is None or case.detail in row["raw_line"], row["raw_line"]


def test_every_line_is_accounted_for(landed: duckdb.DuckDBPyConnection) -> None:
    counts = dict(
        landed.execute(
            "select 'lines', sum(count_lines) from raw.load_manifest union all "
            "select 'events', count(*) from raw.events union all "
            "select 'quarantined lines', count(*) from audit.quarantine "
            "where line_number is not null union all "
            "select 'file rows', count(*) from audit.quarantine "
            "where line_number is null union all "
            "select 'files', count(*) from raw.load_manifest"
        ).fetchall()
    )
    lines = [expect for case in CORPUS for expect in case.lines]
    assert counts == {
        "lines": len(lines),
        "events": sum(expect.outcome == LANDS for expect in lines),
        "quarantined lines": sum(expect.outcome != LANDS for expect in lines),
        "file rows": sum(case.file_reason is not None for case in CORPUS),
        "files": len(CORPUS),
    }


def test_nothing_outside_the_landing_folder_is_read(landed: duckdb.DuckDBPyConnection) -> None:
    """The symlink to a file beside the folder is recorded, never followed."""
    assert rows(landed, "select * from raw.events where event_id = ?", [OUTSIDE_EVENT_ID]) == []
    # its second line is the id alone (invalid JSON): neither line may be quarantined
    assert (
        rows(
            landed,
            "select * from audit.quarantine where contains(raw_line, ?)",
            [OUTSIDE_EVENT_ID],
        )
        == []
    )


def test_sql_looking_strings_are_data(landed: duckdb.DuckDBPyConnection) -> None:
    tables = {
        f"{schema}.{name}"
        for schema, name in landed.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'audit')"
        ).fetchall()
    }
    assert set(TABLES) <= tables
    (row,) = rows(landed, "select * from raw.events where event_id = 'sql_strings-2'")
    assert row["event_name_original"] == SQL_INJECTION
    assert row["user_id"] == SQL_INJECTION
    assert SQL_INJECTION in row["properties"]
    assert landed.execute(
        "select count(*) from raw.load_manifest where file_path like 'names/o''brien%'"
    ).fetchone() == (1,)


def test_truncated_gzip_is_reported(landed: duckdb.DuckDBPyConnection) -> None:
    statuses = dict(
        landed.execute(
            "select file_path, status from raw.load_manifest where status <> 'landed'"
        ).fetchall()
    )
    assert statuses == {case.file_name: case.status for case in CORPUS if case.status != "landed"}


def test_zero_byte_gzip_file_is_an_empty_file(tmp_path: Path) -> None:
    """Not in the corpus: its content (no bytes) is the empty file's, so it would be skipped."""
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "empty.jsonl.gz").write_bytes(b"")
    con, result = land(tmp_path, folder)
    assert result.files_landed == ["empty.jsonl.gz"]
    assert rows(con, "select status, count_lines from raw.load_manifest") == [
        {"status": "landed", "count_lines": 0}
    ]
    assert rows(con, "select * from audit.quarantine") == []
