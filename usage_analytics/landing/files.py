"""Finding landing files and reading them into Arrow, one row per physical line."""

import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

LANDING_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LandingFile:
    """A file found in the landing folder."""

    path: Path
    relative_path: str
    content_hash: str
    size_bytes: int
    modified_ns: int = 0  # the file's modification time (ns since the epoch) when hashed


# (relative path, size in bytes, modification time in ns) -> the content hash of that file
FileStats = Mapping[tuple[str, int, int], str]


@dataclass(frozen=True)
class FileLines:
    """The lines of one file, or why it could not be read (or read only in part)."""

    file: LandingFile
    # columns line_number (int64), line (string), is_valid_utf8 (bool), is_truncated (bool)
    lines: pa.Table | None
    error: str | None = None  # why the file is unreadable, or where a truncated file ends

    @property
    def status(self) -> str:
        """``landed``; ``truncated`` (a gzip stream cut short: its complete lines are read);
        ``unreadable`` (nothing could be read)."""
        if self.lines is None:
            return "unreadable"
        return "truncated" if self.error is not None else "landed"

    @property
    def ends_in_partial_line(self) -> bool:
        """A truncated file whose last line was cut (it is quarantined as truncated_file)."""
        return self.lines is not None and pc.any(self.lines["is_truncated"]).as_py()


def discover(folder: Path, known: FileStats | None = None) -> list[LandingFile]:
    """Every landing file below ``folder`` (any depth), sorted by relative path.

    Args:
        folder: The landing folder.
        known: Content hashes of files already landed, by path, size and modification time:
            a file that still has all three is not read again (a daily run would otherwise
            hash the whole history); any other file is hashed.

    Returns:
        The files, each with the SHA-256 of its bytes as they are on disk.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"landing folder {folder} does not exist or is not a folder")
    files = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name.lower().endswith(LANDING_SUFFIXES):
            stat = path.stat()
            relative_path = path.relative_to(folder).as_posix()
            stats_key = (relative_path, stat.st_size, stat.st_mtime_ns)
            content_hash = (known or {}).get(stats_key) or _sha256(path)
            files.append(
                LandingFile(
                    path=path,
                    relative_path=relative_path,
                    content_hash=content_hash,
                    size_bytes=stat.st_size,
                    modified_ns=stat.st_mtime_ns,
                )
            )
    return files


def read_lines(file: LandingFile) -> FileLines:
    """Splits a file into numbered lines without parsing them.

    A trailing newline does not make an extra line; a UTF-8 byte-order mark at the start is
    dropped (a carriage return at the end of a line is dropped when the line is classified).
    Lines that are not valid UTF-8 are kept, decoded with replacement characters and flagged, so
    that they can be quarantined. A gzip stream that ends before its end marker (a file cut
    short in transfer) gives the lines decompressed so far; the last one, when it has no final
    newline, is flagged ``is_truncated``.
    """
    try:
        data, truncation = _read_bytes(file.path)
    except (OSError, EOFError, zlib.error) as error:
        return FileLines(file=file, lines=None, error=f"{type(error).__name__}: {error}")
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    cut_mid_line = truncation is not None and bool(data) and not data.endswith(b"\n")
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
            "is_truncated": pa.array(
                [False] * (len(raw_lines) - 1) + [cut_mid_line] if raw_lines else [],
                type=pa.bool_(),
            ),
        }
    )
    return FileLines(file=file, lines=table, error=truncation)


def _read_bytes(path: Path) -> tuple[bytes, str | None]:
    """The file's bytes (decompressed for ``.gz``), and a message when the gzip stream was
    cut short. Raises when nothing can be read: not gzip, corrupt data, or a cut before any
    data."""
    if not path.name.lower().endswith(".gz"):
        return path.read_bytes(), None
    return _gunzip(path)


def _gunzip(path: Path) -> tuple[bytes, str | None]:
    """Decompresses a gzip file (several members allowed), in chunks, keeping what precedes
    a premature end of the stream instead of failing the whole file."""
    output: list[bytes] = []
    decompressor = zlib.decompressobj(wbits=31)  # gzip header and trailer (CRC) only
    fed = False  # the current member has received input
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            while chunk:
                fed = True
                output.append(decompressor.decompress(chunk))
                if not decompressor.eof:
                    break
                # End of a member: what follows is another member (zero padding is ignored).
                chunk = decompressor.unused_data.lstrip(b"\x00")
                decompressor = zlib.decompressobj(wbits=31)
                fed = False
    output.append(decompressor.flush())
    data = b"".join(output)
    if fed and not decompressor.eof:
        if not data:
            raise EOFError("gzip stream ends before any data could be decompressed")
        return data, (
            "EOFError: gzip stream ends before its end-of-stream marker "
            f"after {len(data)} decompressed bytes"
        )
    return data, None


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
