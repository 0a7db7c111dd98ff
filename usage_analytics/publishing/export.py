"""``usage-analytics export``: the published marts of the serving copy as Parquet files.

It reads the serving copy (``serving.py``), never the warehouse a run writes, so an export runs
beside a run and sees one publication whole: every mart ``audit.publication_tables`` lists,
and the publication id that names them. Each mart is streamed from DuckDB in Arrow record
batches into a Parquet file (``EXPORT_BATCH_ROWS`` rows at a time), so a ten-million-row mart
takes a batch's memory, not the table's.

The files are written into a hidden folder inside ``--out``, then renamed into ``--out`` one by
one (``os.replace``, atomic on one file system), the manifest last: a reader sees each file
either whole, from this export or the one before, never half written, and the manifest, once it
is replaced, names the publication every listed file now holds.
"""

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from usage_analytics.publishing.marts import PUBLISHED_SCHEMA

EXPORT_BATCH_ROWS = 100_000  # rows per Arrow batch and Parquet row group
MANIFEST_NAME = "manifest.json"
WRITING_PREFIX = ".export-"


class ExportError(Exception):
    """An export that cannot start or finish: one line naming the file or folder."""


@dataclass(frozen=True)
class Export:
    """What an export wrote."""

    publication_id: str
    out_dir: Path
    row_counts: dict[str, int]  # rows per mart, each in ``<mart>.parquet``
    manifest: Path


def export_marts(serving: Path, out_dir: Path, batch_rows: int = EXPORT_BATCH_ROWS) -> Export:
    """Writes every published mart of ``serving`` to ``out_dir/<mart>.parquet``, and a manifest.

    Args:
        serving: The serving copy (``Warehouse.serving_path``).
        out_dir: The folder to write into (created when missing).
        batch_rows: Rows per record batch read from DuckDB and per Parquet row group.

    Raises:
        ExportError: No serving copy, a file that is not one, or ``out_dir`` cannot be written;
            nothing in ``out_dir`` changed.
    """
    if not serving.is_file():
        raise ExportError(
            f"no serving copy at {str(serving)!r}: nothing published yet (run"
            " `usage-analytics run` first, or give the --warehouse it publishes)"
        )
    try:
        con = duckdb.connect(str(serving), read_only=True)
    except duckdb.Error as error:
        raise ExportError(
            f"cannot open the serving copy {str(serving)!r}: {_first_line(error)}"
        ) from error
    try:
        publication, recorded = _publication(con, serving)
        writing = _writing_folder(out_dir)
        try:
            row_counts = {
                name: _write_parquet(con, name, writing / f"{name}.parquet", batch_rows)
                for name in recorded
            }
            differing = sorted(name for name, rows in row_counts.items() if rows != recorded[name])
            if differing:  # a serving copy is written whole, so this is a damaged file
                raise ExportError(
                    f"the serving copy {str(serving)!r} holds other row counts than its"
                    f" publication recorded: {', '.join(differing)}"
                )
            manifest = {
                **publication,
                "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "format": "parquet",
                "tables": {
                    name: {"file": f"{name}.parquet", "rows": rows}
                    for name, rows in row_counts.items()
                },
            }
            (writing / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
            for name in [*(f"{name}.parquet" for name in row_counts), MANIFEST_NAME]:
                os.replace(writing / name, out_dir / name)
        except OSError as error:
            where = error.filename or out_dir
            raise ExportError(
                f"cannot write into --out {str(where)!r}: {error.strerror}"
            ) from error
        finally:
            shutil.rmtree(writing, ignore_errors=True)
    finally:
        con.close()
    return Export(str(publication["publication_id"]), out_dir, row_counts, out_dir / MANIFEST_NAME)


def _publication(
    con: duckdb.DuckDBPyConnection, serving: Path
) -> tuple[dict[str, object], dict[str, int]]:
    """The publication the serving copy holds (id and times, as text) and the row count it
    recorded per mart."""
    try:
        row = con.execute(
            "select publication_id, published_at, landed_through from audit.publication"
        ).fetchone()
        recorded = dict(
            con.execute(
                "select table_name, count_rows from audit.publication_tables order by table_name"
            ).fetchall()
        )
    except duckdb.Error as error:
        raise ExportError(
            f"{str(serving)!r} is not a serving copy (no audit.publication): {_first_line(error)}"
        ) from error
    if row is None:
        raise ExportError(f"the serving copy {str(serving)!r} records no publication")
    keys = ("publication_id", "published_at", "landed_through")
    return {key: _text(value) for key, value in zip(keys, row, strict=True)}, recorded


def _writing_folder(out_dir: Path) -> Path:
    """A new hidden folder inside ``out_dir`` (created too), on the file system the files are
    renamed within."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"--out {str(out_dir)!r} is a file, not a folder")
    writing = out_dir / f"{WRITING_PREFIX}{uuid.uuid4().hex}"
    try:
        writing.mkdir(parents=True)
    except OSError as error:
        raise ExportError(f"cannot write into --out {str(out_dir)!r}: {error.strerror}") from error
    return writing


def _write_parquet(con: duckdb.DuckDBPyConnection, name: str, path: Path, batch_rows: int) -> int:
    """Streams ``marts.<name>`` into ``path``; returns the rows written."""
    table = f'{PUBLISHED_SCHEMA}."{name.replace(chr(34), chr(34) * 2)}"'
    reader = con.table(table).to_arrow_reader(batch_rows)
    count_rows = 0
    with pq.ParquetWriter(path, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch, row_group_size=batch_rows)
            count_rows += batch.num_rows
    return count_rows


def _text(value: object) -> object:
    """A manifest value: timestamps as ISO text."""
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _first_line(error: BaseException) -> str:
    """DuckDB's message without the query excerpt it appends."""
    return str(error).splitlines()[0]
