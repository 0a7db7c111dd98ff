"""Finding landing files and reading them into Arrow, one row per physical line.

Discovery never opens what it should not: an entry of the landing folder that is not a regular
file (a FIFO, a device, a socket), a symlink that is dangling, loops or resolves outside the
folder, a name that is not valid UTF-8, or a file or folder that cannot be read is listed with
the ``problem`` that keeps it out, so that landing records it (``unreadable_file``) and lands
everything else.
"""

import errno
import hashlib
import os
import stat
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

LANDING_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
UTF8_BOM = b"\xef\xbb\xbf"
_FILE_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


@dataclass(frozen=True)
class LandingFile:
    """A file found in the landing folder."""

    path: Path
    relative_path: str  # with "/" separators; bytes of a name that are not UTF-8 as \xNN
    content_hash: str  # of an entry with a problem: a hash of its path and problem
    size_bytes: int
    modified_ns: int | None = 0  # the file's modification time (ns since the epoch) when hashed
    changed_ns: int | None = 0  # its inode change time then, which no rewrite can keep
    problem: str | None = None  # why the entry is not read (it is never opened)


# (relative path, size in bytes, modification time, inode change time in ns) -> content hash
FileStats = Mapping[tuple[str, int, int, int], str]


@dataclass(frozen=True)
class LandedPrefix:
    """What earlier loads read of a file's path: the content (decompressed) of its latest
    landed version, which a file that was only appended to starts with."""

    size_bytes: int
    content_hash: str  # SHA-256 of those bytes
    count_lines: int  # lines 1 .. count_lines


@dataclass(frozen=True)
class FileLines:
    """The lines of one file, or why it could not be read (or read only in part)."""

    file: LandingFile
    # columns line_number (int64), line (large string: the text as read), content (the text
    # classified: without a carriage return ending it, nor a byte-order mark starting it),
    # is_valid_utf8 (bool), is_truncated (bool)
    lines: pa.Table | None
    error: str | None = None  # why the file is unreadable, or where a truncated file ends
    first_line_number: int = 1  # after a landed prefix: the first line appended to it
    read_hash: str | None = None  # SHA-256 of the whole content read (decompressed)
    read_bytes: int | None = None  # its length

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

    Symlinked folders are not entered; a symlinked file is read only when it resolves to a
    regular file inside ``folder``. Entries that cannot be read come back with their
    ``problem`` set and are not opened, nor is a sub-folder that cannot be listed (an entry of
    its own).

    Args:
        folder: The landing folder.
        known: Content hashes of files already landed, by path, size, modification and inode
            change time: a file that still has all four is not read again (a daily run would
            otherwise hash the whole history); any other file is hashed.

    Returns:
        The files, each with the SHA-256 of its bytes as they are on disk.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"landing folder {folder} does not exist or is not a folder")
    root = folder.resolve()
    files: list[LandingFile] = []

    def unlistable(error: OSError) -> None:
        path = Path(error.filename) if error.filename else folder
        files.append(_unreadable(folder, path, f"folder cannot be listed: {_describe(error)}"))

    paths = [
        Path(directory, name)
        for directory, _, names in os.walk(folder, onerror=unlistable)  # symlinks not followed
        for name in names
        if name.lower().endswith(LANDING_SUFFIXES)
    ]
    with reading_pool() as pool:  # hashing releases the GIL: files are hashed side by side
        files.extend(pool.map(lambda path: _landing_file(root, folder, path, known or {}), paths))
    return sorted(files, key=lambda file: PurePosixPath(file.relative_path).parts)


def reading_pool() -> ThreadPoolExecutor:
    """Threads to read or hash files side by side, one per core: hashing, decompressing and
    splitting lines run outside Python's global lock."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1)


def _landing_file(root: Path, folder: Path, path: Path, known: FileStats) -> LandingFile:
    """The file at ``path``, hashed unless ``known``; or why it cannot be read."""
    relative_path = path.relative_to(folder)
    try:
        status, problem = _regular_file(root, path, relative_path)
        if status is not None:
            stats_key = (
                printable_path(relative_path),
                status.st_size,
                status.st_mtime_ns,
                status.st_ctime_ns,
            )
            content_hash = known.get(stats_key) or _sha256(path)
    except OSError as error:  # no permission, an I/O error, or gone since it was listed
        status, problem = None, f"cannot be read: {_describe(error)}"
    if status is None:
        return _unreadable(folder, path, problem or "cannot be read")
    return LandingFile(
        path=path,
        relative_path=stats_key[0],
        content_hash=content_hash,
        size_bytes=status.st_size,
        modified_ns=status.st_mtime_ns,
        changed_ns=status.st_ctime_ns,
    )


def _regular_file(
    root: Path, path: Path, relative_path: Path
) -> tuple[os.stat_result | None, str | None]:
    """The status of the regular file at ``path`` (of its target, for a symlink that resolves
    inside the landing folder ``root``), or why it must not be opened.

    Raises:
        OSError: The entry cannot even be looked at (gone, no permission on its folder).
    """
    if not _is_utf8(os.fsencode(relative_path)):
        return None, "the file name is not valid UTF-8: rename the file to land it"
    status = path.lstat()
    if stat.S_ISLNK(status.st_mode):
        try:
            resolved = path.resolve(strict=True)
            status = resolved.stat()
        except RuntimeError:  # Python reports a symlink loop this way
            return None, "a symlink loop"
        except FileNotFoundError:
            return None, "a dangling symlink (its target does not exist)"
        except OSError as error:
            return None, f"a symlink that cannot be resolved: {_describe(error)}"
        if not resolved.is_relative_to(root):
            target = printable_path(resolved)
            return None, f"a symlink to {target}, outside the landing folder: not followed"
    if not stat.S_ISREG(status.st_mode):
        kind = _FILE_KINDS.get(stat.S_IFMT(status.st_mode), "a special file")
        return None, f"not a regular file: {kind}"
    return status, None


def _unreadable(folder: Path, path: Path, problem: str) -> LandingFile:
    """An entry that is not read. Its stand-in content hash (of its path and problem) lets the
    manifest record it once: the next run skips it while the problem stays the same."""
    relative_path = printable_path(path.relative_to(folder)) if path != folder else "."
    digest = hashlib.sha256(b"unreadable\0" + relative_path.encode() + b"\0" + problem.encode())
    return LandingFile(
        path=path,
        relative_path=relative_path,
        content_hash=digest.hexdigest(),
        size_bytes=0,
        modified_ns=None,
        changed_ns=None,
        problem=problem,
    )


def printable_path(path: os.PathLike[str]) -> str:
    """``path`` with ``/`` separators; bytes that are not UTF-8 (a file name from another
    encoding) as backslash escapes, so that it can be stored and shown."""
    return printable(PurePosixPath(path).as_posix())


def printable(text: str) -> str:
    """``text`` (a path or an OS error) with undecodable bytes as ``\\xNN`` escapes."""
    return os.fsencode(text).decode("utf-8", errors="backslashreplace")


def _describe(error: OSError) -> str:
    return printable(f"{type(error).__name__}: {error.strerror or error}")


def read_lines(file: LandingFile, landed: LandedPrefix | None = None) -> FileLines:
    """Splits a file into numbered lines without parsing them.

    A trailing newline does not make an extra line; a UTF-8 byte-order mark at the start is
    dropped. The ``content`` of a line, what is classified, also drops a carriage return ending
    it (CRLF) and a byte-order mark starting it (files concatenated after the first BOM was
    stripped); ``line`` keeps them (the quarantine's raw text). Lines that are not valid UTF-8
    are kept, decoded with replacement characters and flagged, so that they can be
    quarantined. A gzip stream that ends before its end marker (a file cut short in transfer)
    gives the lines decompressed so far; the last one, when it has no final newline, is
    flagged ``is_truncated``.

    Args:
        file: The file.
        landed: What earlier loads read of the same path. When the content still starts with
            it, byte for byte, and it ended with a newline, only the lines after it are
            returned, numbered on from it (lines appended to a landed file land once).
    """
    if file.problem is not None:
        return FileLines(file=file, lines=None, error=file.problem)
    try:
        data, truncation = _read_bytes(file.path)
    except (OSError, EOFError, zlib.error) as error:
        return FileLines(file=file, lines=None, error=f"{type(error).__name__}: {error}")
    read_hash, read_bytes = hashlib.sha256(data).hexdigest(), len(data)
    first_line_number = 1
    if landed is not None and _starts_with(data, landed):
        data = data[landed.size_bytes :]
        first_line_number = landed.count_lines + 1
    elif data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    line, is_valid_utf8 = _split_lines(data)
    count = len(line)
    is_truncated = np.zeros(count, dtype=np.bool_)
    if truncation is not None and data and not data.endswith(b"\n"):
        is_truncated[-1] = True  # the gzip stream was cut in the middle of the last line
    table = pa.table(
        {
            "line_number": pa.array(
                np.arange(first_line_number, first_line_number + count, dtype=np.int64)
            ),
            "line": line,
            "content": _content(line, data),
            "is_valid_utf8": is_valid_utf8,
            "is_truncated": pa.array(is_truncated),
        }
    )
    return FileLines(
        file=file,
        lines=table,
        error=truncation,
        first_line_number=first_line_number,
        read_hash=read_hash,
        read_bytes=read_bytes,
    )


def constant_strings(value: str, count: int) -> pa.LargeStringArray:
    """``value`` ``count`` times, built from its bytes (no Python object per row)."""
    encoded = value.encode()
    offsets = np.arange(count + 1, dtype=np.int64) * len(encoded)
    return pa.LargeStringArray.from_buffers(
        count, pa.py_buffer(offsets), pa.py_buffer(encoded * count)
    )


def _split_lines(data: bytes) -> tuple[pa.LargeStringArray, pa.BooleanArray]:
    """The lines of ``data`` (split at each newline; a final newline ends the last line) and
    whether each is valid UTF-8 (a line that is not is decoded with replacement characters).

    The lines are one Arrow array over the bytes without their newlines, its offsets found by
    numpy: no Python object per line (the usual case, a file of valid UTF-8)."""
    newlines = _newline_positions(data)
    ends_open = bool(data) and not data.endswith(b"\n")  # a last line without newline
    count = len(newlines) + ends_open
    # Line i starts after i newlines: in the bytes without newlines, at its start minus i.
    offsets = np.empty(count + 1, dtype=np.int64)
    offsets[0] = 0
    offsets[1 : len(newlines) + 1] = newlines - np.arange(len(newlines))
    if ends_open:
        offsets[-1] = len(data) - len(newlines)
    if not _is_utf8_buffer(data):
        # Rare path (a file with bad bytes): decode line by line to flag only the bad lines.
        raw_lines = data.split(b"\n")[:count]
        text = [raw.decode("utf-8", errors="replace") for raw in raw_lines]
        valid = [_is_utf8(raw) for raw in raw_lines]
        return pa.array(text, type=pa.large_string()), pa.array(valid, type=pa.bool_())
    lines = pa.LargeStringArray.from_buffers(
        count, pa.py_buffer(offsets), pa.py_buffer(data.replace(b"\n", b""))
    )
    return lines, pa.array(np.ones(count, dtype=np.bool_))


def _is_utf8_buffer(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8, checked by Arrow as one string (far faster than line by
    line; a newline never falls inside a character, so then every line is valid too)."""
    whole = pa.LargeStringArray.from_buffers(
        1, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)), pa.py_buffer(data)
    )
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _newline_positions(data: bytes, block: int = 1 << 20) -> np.ndarray:
    """The offsets of the newlines of ``data``, found block by block (faster than over the
    whole: each block's comparison stays in the CPU cache)."""
    array = np.frombuffer(data, dtype=np.uint8)
    found = [
        np.flatnonzero(array[start : start + block] == ord("\n")) + start
        for start in range(0, len(array), block)
    ]
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _content(lines: pa.LargeStringArray, data: bytes) -> pa.LargeStringArray:
    """``lines`` without a byte-order mark starting a line and carriage returns ending it
    (the same array when no line has either, as usual)."""
    content = lines
    if UTF8_BOM[:1] in data and UTF8_BOM in data:  # a byte search first: much faster
        content = pc.if_else(
            pc.starts_with(content, UTF8_BOM.decode()),
            pc.utf8_slice_codeunits(content, 1),
            content,
        )
    if b"\r" in data:
        content = pc.utf8_rtrim(content, characters="\r")
    return content


def _starts_with(data: bytes, landed: LandedPrefix) -> bool:
    """Whether ``data`` is the landed content with lines appended (or nothing)."""
    size = landed.size_bytes
    return (
        0 < size <= len(data)
        and data[size - 1 : size] == b"\n"
        and hashlib.sha256(memoryview(data)[:size]).hexdigest() == landed.content_hash
    )


def _read_bytes(path: Path) -> tuple[bytes, str | None]:
    """The file's bytes (decompressed for ``.gz``), and a message when the gzip stream was
    cut short. Raises when nothing can be read: not gzip, corrupt data, or a cut before any
    data."""
    if not path.name.lower().endswith(".gz"):
        with _open_regular(path) as handle:
            return handle.read(), None
    return _gunzip(path)


def _gunzip(path: Path) -> tuple[bytes, str | None]:
    """Decompresses a gzip file (several members allowed), in chunks, keeping what precedes
    a premature end of the stream instead of failing the whole file."""
    output: list[bytes] = []
    decompressor = zlib.decompressobj(wbits=31)  # gzip header and trailer (CRC) only
    fed = False  # the current member has received input
    with _open_regular(path) as handle:
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


def _open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading, checked again to be a regular file once open (it may have
    been replaced since discovery): opening does not block on a FIFO, reading it never
    happens."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (replaced since it was listed)")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with _open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
