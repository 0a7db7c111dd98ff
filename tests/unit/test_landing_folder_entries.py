"""Folder entries landing cannot read (CONTRACT §1, `unreadable_file`): each is recorded once,
with why, and never stops the rest of the folder. The bad-input corpus has the entries a test
can make on disk (FIFO, symlinks, a name that is not UTF-8); errors that need another user or a
failing disk are simulated here."""

import errno
import os
from pathlib import Path

import pytest

from tests.unit.landing_helpers import NOW, event, events, land, quarantine, rows, write_lines
from usage_analytics.landing import files as landing_files


def file_rows(con: object) -> list[tuple[str, str, str]]:
    """(file_path, reason, text) of the file-level quarantine rows."""
    return [
        (row["file_path"], row["reason"], row["raw_line"])
        for row in quarantine(con)
        if row["line_number"] is None
    ]


def test_a_file_without_read_permission_is_recorded_and_the_rest_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="a")])
    write_lines(folder, "secret.jsonl", [event(event_id="secret")])
    write_lines(folder, "z.jsonl", [event(event_id="z")])
    real_sha256 = landing_files._sha256

    def sha256(path: Path) -> str:
        if path.name == "secret.jsonl":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_sha256(path)

    monkeypatch.setattr(landing_files, "_sha256", sha256)
    con, result = land(tmp_path, folder)

    assert [e["event_id"] for e in events(con)] == ["a", "z"]
    ((path, reason, text),) = file_rows(con)
    assert (path, reason) == ("secret.jsonl", "unreadable_file")
    assert text == "cannot be read: PermissionError: Permission denied"
    assert result.files_unreadable == ["secret.jsonl"]
    assert result.quarantined_by_reason == {"unreadable_file": 1}
    manifest = rows(con, "select status, error from raw.load_manifest where file_path = ?", [path])
    assert manifest == [{"status": "unreadable", "error": text}]


def test_an_io_error_while_reading_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="a")])
    write_lines(folder, "bad sector.jsonl", [event(event_id="b")])

    def read_bytes(path: Path) -> tuple[bytes, str | None]:
        if path.name == "bad sector.jsonl":
            raise OSError(errno.EIO, "Input/output error")
        return path.read_bytes(), None

    monkeypatch.setattr(landing_files, "_read_bytes", read_bytes)
    con, _ = land(tmp_path, folder)
    assert [e["event_id"] for e in events(con)] == ["a"]
    assert file_rows(con) == [
        ("bad sector.jsonl", "unreadable_file", "OSError: [Errno 5] Input/output error")
    ]


def test_a_folder_that_cannot_be_listed_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="a")])
    write_lines(folder, "locked/b.jsonl", [event(event_id="b")])
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if os.fspath(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    con, _ = land(tmp_path, folder)
    assert [e["event_id"] for e in events(con)] == ["a"]
    assert file_rows(con) == [
        (
            "locked",
            "unreadable_file",
            "folder cannot be listed: PermissionError: Permission denied",
        )
    ]


def test_an_unreadable_entry_is_recorded_once_and_lands_once_fixed(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="a")])
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "dangling.ndjson").symlink_to(folder / "nowhere.ndjson")
    con, first = land(tmp_path, folder)
    assert sorted(first.files_unreadable) == ["dangling.ndjson", "pipe.jsonl"]

    con, second = land(tmp_path, folder, con=con, now=NOW.replace(hour=13))
    assert second.files_unreadable == []
    assert sorted(second.files_skipped) == ["a.jsonl", "dangling.ndjson", "pipe.jsonl"]
    assert len(file_rows(con)) == 2

    # fixed: the link now points at a file inside the folder, the FIFO became a file
    write_lines(folder, "nowhere.ndjson", [event(event_id="target")])
    (folder / "pipe.jsonl").unlink()
    write_lines(folder, "pipe.jsonl", [event(event_id="piped")])
    con, third = land(tmp_path, folder, con=con, now=NOW.replace(hour=14))
    assert third.files_landed == ["dangling.ndjson", "pipe.jsonl"]
    assert third.files_skipped == ["a.jsonl", "nowhere.ndjson"]  # the link's content
    assert sorted(e["event_id"] for e in events(con)) == ["a", "piped", "target"]


def test_a_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "2024/05/01/events.jsonl", [event(event_id="linked")])
    (folder / "latest.jsonl").symlink_to(folder / "2024/05/01/events.jsonl")
    found = landing_files.discover(folder)
    assert [(f.relative_path, f.problem) for f in found] == [
        ("2024/05/01/events.jsonl", None),
        ("latest.jsonl", None),
    ]
    assert found[0].content_hash == found[1].content_hash


def test_a_symlinked_folder_is_not_entered(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    write_lines(outside, "secret.jsonl", [event(event_id="secret")])
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="a")])
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    con, _ = land(tmp_path, folder)
    assert [e["event_id"] for e in events(con)] == ["a"]
    assert quarantine(con) == []


def test_a_file_replaced_by_a_fifo_after_discovery_is_not_read(tmp_path: Path) -> None:
    """Reading checks again, once the file is open, that it is a regular file."""
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="a")])
    (file,) = landing_files.discover(folder)
    (folder / "a.jsonl").unlink()
    os.mkfifo(folder / "a.jsonl")
    read = landing_files.read_lines(file)
    assert read.status == "unreadable"
    assert "not a regular file" in (read.error or "")
