"""Finding landing files and reading them into Arrow, one row per physical line."""

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

LANDING_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LandingFile:
    """A file found in the landing folder."""

    path: Path
    relative_path: str
    content_hash: str
    size_bytes: int


@dataclass(frozen=True)
class FileLines:
    """The lines of one file, or why it could not be read."""

    file: LandingFile
    lines: pa.Table | None  # columns line_number (int64), line (string), is_valid_utf8 (bool)
    error: str | None = None


def discover(folder: Path) -> list[LandingFile]:
    """Every landing file below ``folder`` (any depth), sorted by relative path.

    Args:
        folder: The landing folder.

    Returns:
        The files, each with the SHA-256 of its bytes as they are on disk.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"landing folder {folder} does not exist or is not a folder")
    files = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name.lower().endswith(LANDING_SUFFIXES):
            files.append(
                LandingFile(
                    path=path,
                    relative_path=path.relative_to(folder).as_posix(),
                    content_hash=_sha256(path),
                    size_bytes=path.stat().st_size,
                )
            )
    return files


def read_lines(file: LandingFile) -> FileLines:
    """Splits a file into numbered lines without parsing them.

    A trailing newline does not make an extra line; a UTF-8 byte-order mark at the start and a
    carriage return at the end of a line are dropped. Lines that are not valid UTF-8 are kept,
    decoded with replacement characters and flagged, so that they can be quarantined.
    """
    try:
        data = _read_bytes(file.path)
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        return FileLines(file=file, lines=None, error=f"{type(error).__name__}: {error}")
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    try:
        text_lines = data.decode("utf-8").split("\n")[: len(raw_lines)]
        valid = pa.array([True] * len(raw_lines), type=pa.bool_())
    except UnicodeDecodeError:
        # Rare path (a file with bad bytes): decode line by line to flag only the bad lines.
        text_lines = [line.decode("utf-8", errors="replace") for line in raw_lines]
        valid = pa.array([_is_utf8(line) for line in raw_lines], type=pa.bool_())
    table = pa.table(
        {
            "line_number": pa.array(range(1, len(raw_lines) + 1), type=pa.int64()),
            "line": pa.array(text_lines, type=pa.string()),
            "is_valid_utf8": valid,
        }
    )
    return FileLines(file=file, lines=table)


def _read_bytes(path: Path) -> bytes:
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            return handle.read()
    return path.read_bytes()


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
