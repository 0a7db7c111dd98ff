"""One writer per warehouse: runs on the same DuckDB file wait for each other.

DuckDB allows one writing process per file. Two runs started at once would make the second fail
half way (landing, or a dbt model) with a lock error. Instead every command that writes the
warehouse first takes an exclusive lock on ``<warehouse>.lock``: a later run waits its turn
(a queue, not a crash) and gives up after a timeout with a message naming the holder. The
operating system releases the lock when the holding process ends, even when it is killed.
"""

import datetime as dt
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


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
            yield
        finally:
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
