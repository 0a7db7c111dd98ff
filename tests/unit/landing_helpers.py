"""Small helpers shared by the landing unit tests (`usage_analytics.landing`)."""

import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path

import duckdb

from usage_analytics.landing.land import LandingResult, land_folder

FLOOR = dt.date(2000, 1, 1)
NOW = dt.datetime(2024, 6, 1, 12, 0, 0)
SALT = "unit-test-salt"
TABLES = ("raw.events", "audit.quarantine", "raw.load_manifest", "raw.identities")


class _Drop:
    """Sentinel: leave the field out of the event (stable repr, so test ids are stable)."""

    def __repr__(self) -> str:
        return "DROP"


DROP = _Drop()
"""Pass as a value to `event()` to leave that field out."""

Line = str | bytes | dict


def event(**fields: object) -> dict:
    """A valid track event, with ``fields`` overriding (or, given `DROP`, removing) fields."""
    base: dict = {
        "event_id": "e-1",
        "event": "Project Created",
        "user_id": "user-1",
        "timestamp": "2024-05-01T10:00:00Z",
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not DROP}


def encode(line: Line) -> bytes:
    """One line as bytes: a dict is dumped as JSON, a str encoded as UTF-8."""
    if isinstance(line, dict):
        return json.dumps(line, ensure_ascii=False).encode()
    if isinstance(line, str):
        return line.encode()
    return line


def write_lines(
    folder: Path, name: str, lines: list[Line], *, trailing_newline: bool = True
) -> Path:
    """Writes ``lines`` as an NDJSON file ``folder/name`` (gzipped when it ends in ``.gz``)."""
    data = b"\n".join(encode(line) for line in lines)
    if trailing_newline and lines:
        data += b"\n"
    return write_bytes(folder, name, data)


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    """Writes ``data`` to ``folder/name``, gzipped when the name ends in ``.gz``."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def connect(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A connection to a fresh (or the test's existing) warehouse file under ``tmp_path``."""
    return duckdb.connect(str(tmp_path / "warehouse.duckdb"))


def land(
    tmp_path: Path,
    folder: Path,
    con: duckdb.DuckDBPyConnection | None = None,
    **kwargs: object,
) -> tuple[duckdb.DuckDBPyConnection, LandingResult]:
    """Lands ``folder`` with the test defaults; returns the connection and the result."""
    con = con or connect(tmp_path)
    options: dict = {"pii_salt": SALT, "timestamp_floor": FLOOR, "now": NOW}
    options.update(kwargs)
    result = land_folder(con, folder, **options)
    return con, result


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    """The rows of a query as dicts."""
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def quarantine(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """audit.quarantine, in file and line order."""
    return rows(con, "select * from audit.quarantine order by file_path, line_number")


def events(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """raw.events, in file and line order."""
    return rows(con, "select * from raw.events order by file_path, line_number")


def reasons(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The quarantine reasons, in file and line order."""
    return [row["reason"] for row in quarantine(con)]


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table landing writes."""
    return {table: con.execute(f"select count(*) from {table}").fetchone()[0] for table in TABLES}


def salted_sha256(value: str, salt: str = SALT) -> str:
    """The hash landing is expected to write for ``value``."""
    return hashlib.sha256((salt + value).encode()).hexdigest()
