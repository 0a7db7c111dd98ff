"""One writer per warehouse: runs on the same DuckDB file wait for each other.

DuckDB allows one writing process per file. Every command and every Dagster run that writes the
warehouse first takes an exclusive lock on ``<warehouse>.lock`` (``filelock``): a later run waits
its turn and gives up after a timeout with a message naming the holder. The operating system
releases the lock when the holding process ends, even when it is killed.

The lock is re-entrant within a process (one ``FileLock`` per path, ``is_singleton``):
``usage-analytics run`` takes it, then runs the job in process, whose ``warehouse`` resource
takes it again. A forked child does not inherit the hold (``filelock`` tracks the creating pid).
"""

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


class WarehouseBusyError(RuntimeError):
    """Another process kept the warehouse longer than this one was willing to wait."""


def lock_path(warehouse: Path) -> Path:
    """The lock file that stands for ``warehouse``."""
    return warehouse.with_name(warehouse.name + ".lock")


def _write_holder(descriptor: int) -> None:
    """Records who holds the lock in the lock file, for the message of whoever waits."""
    os.ftruncate(descriptor, 0)
    now = dt.datetime.now(dt.UTC)
    os.pwrite(descriptor, f"pid {os.getpid()} since {now:%Y-%m-%d %H:%M:%S} UTC\n".encode(), 0)


def _lock(warehouse: Path) -> FileLock:
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(
        path,
        is_singleton=True,
        thread_local=False,
        preserve_lock_file=True,
        on_acquired=_write_holder,
    )


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
    lock = _lock(warehouse)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait(f"waiting for {holder_of(warehouse)} to finish with {warehouse}")
        try:
            lock.acquire(timeout=timeout_seconds, poll_interval=poll_seconds)
        except Timeout as error:
            raise WarehouseBusyError(
                f"the warehouse {warehouse} is in use by {holder_of(warehouse)}; gave up after"
                f" {timeout_seconds:g}s (USAGE_ANALYTICS_LOCK_TIMEOUT_SECONDS waits longer)"
            ) from error
    try:
        yield
    finally:
        lock.release()


def holder_of(warehouse: Path) -> str | None:
    """Who holds the warehouse's lock right now (None: nobody), without waiting for it."""
    path = lock_path(warehouse)
    if not path.exists():
        return None
    probe = FileLock(path, preserve_lock_file=True)  # its own descriptor: it sees every holder
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return path.read_text(encoding="utf-8").strip() or "another process"
    probe.release()
    return None
