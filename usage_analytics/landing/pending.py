"""Which files of the landing folder are not landed yet, read without writing anything.

Used by the ``new_landing_files`` sensor: it compares the folder's content hashes with
``raw.load_manifest`` over a read-only connection, which DuckDB grants only while no other
process writes the file (the caller then skips its turn).
"""

import hashlib
from pathlib import Path

from usage_analytics.landing.files import FileStats, LandingFile, discover
from usage_analytics.landing.land import known_file_stats
from usage_analytics.warehouse.read import read_only
from usage_analytics.warehouse.schema import has_relation


def landed_hashes(warehouse: Path) -> tuple[set[str], FileStats]:
    """Content hashes of every file in raw.load_manifest (empty for a new warehouse), and
    those hashes by path, size, modification and inode change time (files that need not be
    read again).

    Raises:
        duckdb.IOException: Another process is writing the warehouse.
    """
    if not warehouse.exists():
        return set(), {}
    with read_only(warehouse, wait_seconds=0) as con:
        if not has_relation(con, "raw.load_manifest"):
            return set(), {}
        rows = con.execute("select distinct content_hash from raw.load_manifest").fetchall()
        return {row[0] for row in rows}, known_file_stats(con)


def unlanded_files(folder: Path, warehouse: Path) -> list[LandingFile]:
    """The files of ``folder`` whose content is not in the warehouse yet (one per content)."""
    known, stats = landed_hashes(warehouse)
    files: list[LandingFile] = []
    for file in discover(folder, stats):
        if file.content_hash not in known:
            known.add(file.content_hash)
            files.append(file)
    return files


def files_key(files: list[LandingFile]) -> str:
    """A key of a set of files by content: the same files give the same key, in any order."""
    digest = hashlib.sha256("\n".join(sorted(file.content_hash for file in files)).encode())
    return digest.hexdigest()[:24]
