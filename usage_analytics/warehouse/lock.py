"""One writer per warehouse: runs on the same DuckDB file wait for each other.

DuckDB allows one writing process per file. Every command and every Dagster run that writes the
warehouse first takes an exclusive lock on ``<warehouse>.lock`` (``filelock``): a later run waits
its turn and gives up after a timeout with a message naming the holder. The operating system
releases the lock when the holding process ends, even when it is killed.

The lock only queues this project's own runs. Any other program can still open the DuckDB file
itself (a BI tool's read-only connection, a ``duckdb`` shell), and DuckDB then refuses every
writer. So the first hold of the lock also waits, up to the same timeout, until DuckDB would let
this process write the file, and otherwise gives up naming the program that holds it (BI tools
open the serving copy instead, ``usage_analytics/publishing/serving.py``).

The lock is re-entrant within a process (one ``FileLock`` per path, ``is_singleton``):
``usage-analytics run`` takes it, then runs the job in process, whose ``warehouse`` resource
takes it again. A forked child does not inherit the hold (``filelock`` tracks the creating pid).
"""

import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

# DuckDB's message when another process holds the file: "... Conflicting lock is held in
# /usr/bin/python3 (PID 1234) ..."
_DUCKDB_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


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
    deadline = time.monotonic() + timeout_seconds
    lock = _lock(warehouse)
    first_hold = not lock.is_locked
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
        if first_hold:
            _wait_for_other_programs(warehouse, deadline, poll_seconds, on_wait)
        yield
    finally:
        lock.release()


def _wait_for_other_programs(
    warehouse: Path,
    deadline: float,
    poll_seconds: float,
    on_wait: Callable[[str], None] | None,
) -> None:
    """Waits until no other program holds the DuckDB file open (see the module's documentation).

    Raises:
        WarehouseBusyError: One still did at ``deadline``.
    """
    holder = duckdb_holder_of(warehouse)
    if holder is not None and on_wait is not None:
        on_wait(f"waiting for {holder} to close {warehouse} (BI tools open the serving copy)")
    while holder is not None:
        if time.monotonic() >= deadline:
            raise WarehouseBusyError(
                f"warehouse busy: {warehouse} is held by {holder} (BI tools must open the"
                " serving copy, not the warehouse; USAGE_ANALYTICS_LOCK_TIMEOUT_SECONDS waits"
                " longer)"
            )
        time.sleep(poll_seconds)
        holder = duckdb_holder_of(warehouse)


def duckdb_holder_of(warehouse: Path) -> str | None:
    """The program that holds the DuckDB file so that this process cannot write it (None: none,
    or no file yet). Opens and closes a connection to find out."""
    if not warehouse.is_file():
        return None
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.IOException as error:
        if "Could not set lock" not in str(error):
            return None  # not about another holder: the run reports it where it happens
        match = _DUCKDB_HOLDER.search(str(error))
        return f"{match.group(1)} (PID {match.group(2)})" if match else "another process"
    except duckdb.Error:
        return None  # e.g. this process has it open itself: no other program is in the way
    return None


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
