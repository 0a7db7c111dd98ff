"""A landed file that changes on disk (CONTRACT §1): it lands again; lines appended to it land
once, numbered on; a line quarantined before is never quarantined twice; every landing of it
reconciles (lines = landed + quarantined + already quarantined)."""

import datetime as dt
import gzip
import os
from pathlib import Path

import duckdb
import pytest

from tests.unit.landing_helpers import (
    NOW,
    event,
    events,
    land,
    quarantine,
    rows,
    write_bytes,
    write_lines,
)

LATER = NOW + dt.timedelta(hours=1)
LATEST = NOW + dt.timedelta(hours=2)


def manifest(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return rows(
        con,
        "select file_path, first_line_number, count_lines, count_landed, count_quarantined,"
        " count_already_quarantined from raw.load_manifest order by landed_at, file_path",
    )


def assert_every_load_reconciles(con: duckdb.DuckDBPyConnection) -> None:
    for row in manifest(con):
        assert row["count_lines"] == (
            row["count_landed"] + row["count_quarantined"] + row["count_already_quarantined"]
        ), row
    (unmatched,) = con.execute(
        """
        select count(*) from raw.load_manifest as manifest
        where count_landed <> (
                select count(*) from raw.events as e
                where e.load_id = manifest.load_id and e.file_path = manifest.file_path
            )
            or count_quarantined <> (
                select count(*) from audit.quarantine as q
                where q.load_id = manifest.load_id and q.file_path = manifest.file_path
                    and q.line_number is not null
            )
        """
    ).fetchone()
    assert unmatched == 0


def test_a_rewrite_that_keeps_size_and_modification_time_lands_again(tmp_path: Path) -> None:
    """The inode change time tells it: no rewrite can keep it."""
    folder = tmp_path / "landing"
    path = write_lines(folder, "a.jsonl", [event(event_id="e-1", user_id="ann")])
    before = path.stat()
    con, _ = land(tmp_path, folder)
    write_lines(folder, "a.jsonl", [event(event_id="e-1", user_id="bob")])  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns

    con, result = land(tmp_path, folder, con=con, now=LATER)
    assert result.files_landed == ["a.jsonl"]
    assert [(e["event_id"], e["user_id"]) for e in events(con)] == [
        ("e-1", "ann"),
        ("e-1", "bob"),  # a re-sent copy: dbt keeps the first received
    ]
    assert_every_load_reconciles(con)


def test_appended_lines_land_once_numbered_on(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    first_lines = [event(event_id="1"), "not json", event(event_id="3")]
    write_lines(folder, "log.jsonl", first_lines)
    con, first = land(tmp_path, folder)
    write_lines(folder, "log.jsonl", [*first_lines, event(event_id="4"), "{oops"])
    con, second = land(tmp_path, folder, con=con, now=LATER)

    assert second.files_landed == ["log.jsonl"]
    assert (second.count_lines, second.count_landed, second.count_quarantined) == (2, 1, 1)
    assert second.quarantined_by_reason == {"invalid_json": 1}
    assert [(e["event_id"], e["line_number"], e["load_id"]) for e in events(con)] == [
        ("1", 1, first.load_id),
        ("3", 3, first.load_id),
        ("4", 4, second.load_id),
    ]
    assert [(q["line_number"], q["raw_line"], q["load_id"]) for q in quarantine(con)] == [
        (2, "not json", first.load_id),
        (5, "{oops", second.load_id),
    ]
    assert [row["first_line_number"] for row in manifest(con)] == [1, 4]
    assert_every_load_reconciles(con)

    # appended again: numbered on from the whole file landed so far
    write_lines(
        folder, "log.jsonl", [*first_lines, event(event_id="4"), "{oops", event(event_id="6")]
    )
    con, third = land(tmp_path, folder, con=con, now=LATEST)
    assert (third.count_lines, third.count_landed) == (1, 1)
    assert [(e["event_id"], e["line_number"]) for e in events(con)][-1] == ("6", 6)
    assert [row["first_line_number"] for row in manifest(con)] == [1, 4, 6]
    assert_every_load_reconciles(con)


def test_a_file_appended_to_without_a_final_newline_lands_whole_again(tmp_path: Path) -> None:
    """Its last line may have grown: only whole lines make a prefix. The lines land again as
    re-sent copies, and the bad line is not quarantined twice."""
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="1"), "bad"], trailing_newline=False)
    con, _ = land(tmp_path, folder)
    write_lines(folder, "a.jsonl", [event(event_id="1"), "bad", event(event_id="3")])
    con, second = land(tmp_path, folder, con=con, now=LATER)
    assert [row["first_line_number"] for row in manifest(con)] == [1, 1]
    assert (second.count_lines, second.count_landed, second.count_quarantined) == (2, 2, 0)
    assert second.count_already_quarantined == 1
    assert [e["event_id"] for e in events(con)] == ["1", "1", "3"]
    assert [(q["line_number"], q["raw_line"]) for q in quarantine(con)] == [(2, "bad")]
    assert_every_load_reconciles(con)


def test_a_rewritten_file_never_duplicates_a_quarantine_row(tmp_path: Path) -> None:
    """Same file, line number and text: quarantined once. A bad line that moved or changed is
    a new quarantine row."""
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", ["bad", event(event_id="2"), "worse"])
    con, _ = land(tmp_path, folder)
    write_lines(folder, "a.jsonl", ["bad", event(event_id="2b"), "worse!", "worse"])
    con, second = land(tmp_path, folder, con=con, now=LATER)

    assert [(q["line_number"], q["raw_line"]) for q in quarantine(con)] == [
        (1, "bad"),
        (3, "worse"),
        (3, "worse!"),
        (4, "worse"),
    ]
    assert second.count_already_quarantined == 1
    assert (second.count_lines, second.count_landed, second.count_quarantined) == (3, 1, 2)
    assert manifest(con)[-1] == {
        "file_path": "a.jsonl",
        "first_line_number": 1,
        "count_lines": 4,
        "count_landed": 1,
        "count_quarantined": 2,
        "count_already_quarantined": 1,
    }
    assert_every_load_reconciles(con)


def test_a_gzip_file_recompressed_with_lines_appended_lands_the_new_lines(
    tmp_path: Path,
) -> None:
    """The landed prefix is compared on the content read (decompressed)."""
    folder = tmp_path / "landing"
    lines = b'{"event_id": "1", "event": "A", "user_id": "u", "timestamp": "2024-05-01"}\n'
    write_bytes(folder, "a.jsonl.gz", lines)
    con, _ = land(tmp_path, folder)
    more = lines + b'{"event_id": "2", "event": "A", "user_id": "u", "timestamp": "2024-05-01"}\n'
    (folder / "a.jsonl.gz").write_bytes(gzip.compress(more, compresslevel=1))
    con, second = land(tmp_path, folder, con=con, now=LATER)
    assert (second.count_lines, second.count_landed) == (1, 1)
    assert [(e["event_id"], e["line_number"]) for e in events(con)] == [("1", 1), ("2", 2)]
    assert_every_load_reconciles(con)


def test_a_file_whose_beginning_changed_lands_whole_again(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="1")])
    con, _ = land(tmp_path, folder)
    write_lines(folder, "a.jsonl", [event(event_id="1", user_id="other"), event(event_id="2")])
    con, second = land(tmp_path, folder, con=con, now=LATER)
    assert (second.count_lines, second.count_landed) == (2, 2)
    assert [(e["event_id"], e["line_number"]) for e in events(con)] == [
        ("1", 1),
        ("1", 1),
        ("2", 2),
    ]
    assert_every_load_reconciles(con)


def test_a_forgotten_users_line_is_not_quarantined_twice(tmp_path: Path) -> None:
    """Its quarantine row has no text: the same file and line number make it the same."""
    from tests.unit.landing_helpers import SALT
    from usage_analytics.privacy.forget import forget_user

    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="1", user_id="gone")])
    con, _ = land(tmp_path, folder)
    forget_user(con, "gone", pii_salt=SALT, now=NOW)
    write_lines(folder, "a.jsonl", [event(event_id="1", user_id="gone"), event(event_id="2")])
    con, second = land(tmp_path, folder, con=con, now=LATER)
    # appended: line 1 is not read again at all
    assert (second.count_lines, second.count_already_quarantined) == (1, 0)
    write_lines(folder, "a.jsonl", [event(event_id="1", user_id="gone"), event(event_id="3")])
    con, third = land(tmp_path, folder, con=con, now=LATEST)
    assert (third.count_lines, third.count_landed, third.count_already_quarantined) == (1, 1, 1)
    assert [(q["line_number"], q["reason"]) for q in quarantine(con)] == [(1, "forgotten_user")]


def test_times_missing_from_an_older_manifest_are_recorded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warehouse landed before the manifest kept inode change times hashes its files once
    more, records their times, and then no more."""
    from usage_analytics.landing import files as landing_files

    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="1")])
    con, _ = land(tmp_path, folder)
    con.execute("update raw.load_manifest set file_changed_ns = null")
    hashed: list[str] = []
    real_sha256 = landing_files._sha256

    def sha256(path: Path) -> str:
        hashed.append(path.name)
        return real_sha256(path)

    monkeypatch.setattr(landing_files, "_sha256", sha256)
    con, second = land(tmp_path, folder, con=con, now=LATER)
    assert (hashed, second.files_skipped) == (["a.jsonl"], ["a.jsonl"])
    (changed,) = con.execute("select file_changed_ns from raw.load_manifest").fetchone()
    assert changed == (folder / "a.jsonl").stat().st_ctime_ns
    con, third = land(tmp_path, folder, con=con, now=LATEST)
    assert (hashed, third.files_skipped) == (["a.jsonl"], ["a.jsonl"])
