"""Reading the warehouse beside its writer: DuckDB grants a read-only connection only while no
other process writes the file, so a reader waits (the one connect-and-retry of the project)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

RETRY_SECONDS = 0.5


@contextmanager
def read_only(
    path: Path, wait_seconds: float, config: dict[str, str | int] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to ``path``, waiting up to ``wait_seconds`` for a writer;
    ``config``: DuckDB settings (``EngineSettings.duckdb_config``).

    Raises:
        duckdb.IOException: The file stayed locked by a writer.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True, config=config or {})
            break
        except duckdb.IOException:
            if time.monotonic() >= deadline:
                raise
            time.sleep(RETRY_SECONDS)
    try:
        yield con
    finally:
        con.close()
