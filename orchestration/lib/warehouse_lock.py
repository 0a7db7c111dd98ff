"""One writer per warehouse: runs on the same DuckDB file wait for each other.

DuckDB allows one writing process per file. Two runs started at once would make the second fail
half way (landing, or a dbt model) with a lock error. Instead every command that writes the
warehouse first takes an exclusive lock on ``<warehouse>.lock``: a later run waits its turn
(a queue, not a crash) and gives up after a timeout with a message naming the holder. The
operating system releases the lock when the holding process ends, even when it is killed.

The lock is re-entrant within a process: ``usage-analytics run`` takes it, then runs the job in
process, whose ``warehouse`` resource takes it again for the run (as it does alone in a run
launched by the Dagster daemon).
"""

import datetime as dt
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

# (process id, lock file) of the locks this process holds; the id keeps a forked child, which
# copies this set but not the lock, from thinking it holds them
_HELD: set[tuple[int, str]] = set()


class WarehouseBusyError(RuntimeError):
    """Another process kept the warehouse longer than this one was willing to wait."""


def lock_path(warehouse: Path) -> Path:
    """The lock file that stands for ``warehouse``."""
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def exclusive_warehouse(
    warehouse: Path,
    *,
    timeout_seconds: float,
    poll_seconds: float = 0.5,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Holds the warehouse's lock for the duration of the block.

    Args:
        warehouse: The DuckDB file.
        timeout_seconds: How long to wait for another holder before giving up.
        poll_seconds: How often to try again while waiting.
        on_wait: Called once, with a description of the holder, when this process has to wait.

    Raises:
        WarehouseBusyError: The lock was not free within ``timeout_seconds``.
    """
    path = lock_path(warehouse)
    key = (os.getpid(), os.path.abspath(path))
    if key in _HELD:  # this process holds it already: a nested holder shares it
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + timeout_seconds
        told = False
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"the warehouse {warehouse} is in use by {_holder(handle)}; gave up after"
                    f" {timeout_seconds:g}s (USAGE_ANALYTICS_LOCK_TIMEOUT_SECONDS waits longer)"
                )
            if not told and on_wait is not None:
                on_wait(f"waiting for {_holder(handle)} to finish with {warehouse}")
                told = True
            time.sleep(poll_seconds)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(
                f"pid {os.getpid()} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC\n"
            )
            handle.flush()
            _HELD.add(key)
            yield
        finally:
            _HELD.discard(key)
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def holder_of(warehouse: Path) -> str | None:
    """Who holds the warehouse's lock right now (None: nobody), without waiting for it."""
    path = lock_path(warehouse)
    if not path.exists():
        return None
    with open(path, "a+", encoding="utf-8") as handle:
        if _try_lock(handle):
            fcntl.flock(handle, fcntl.LOCK_UN)
            return None
        return _holder(handle)


def _try_lock(handle: TextIO) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle: TextIO) -> str:
    handle.seek(0)
    text = handle.read().strip()
    return text or "another process"
