"""One writer per warehouse: a second holder waits, then proceeds or gives up clearly."""

import multiprocessing
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from usage_analytics.warehouse.lock import (
    WarehouseBusyError,
    duckdb_holder_of,
    exclusive_warehouse,
    holder_of,
    lock_path,
)


def hold(warehouse: str, seconds: float, ready: "multiprocessing.synchronize.Event") -> None:
    with exclusive_warehouse(Path(warehouse), timeout_seconds=5):
        ready.set()
        time.sleep(seconds)


def start_holder(warehouse: Path, seconds: float) -> multiprocessing.Process:
    ready = multiprocessing.get_context("fork").Event()
    process = multiprocessing.get_context("fork").Process(
        target=hold, args=(str(warehouse), seconds, ready)
    )
    process.start()
    assert ready.wait(10)
    return process


def test_second_holder_gives_up_naming_the_first(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = start_holder(warehouse, seconds=5)
    try:
        waits: list[str] = []
        busy = pytest.raises(WarehouseBusyError, match=rf"in use by pid {holder.pid} since")
        lock = exclusive_warehouse(
            warehouse, timeout_seconds=0.5, poll_seconds=0.05, on_wait=waits.append
        )
        with busy, lock:
            pass
        assert waits and f"pid {holder.pid}" in waits[0]
    finally:
        holder.kill()
        holder.join()


def test_second_holder_waits_its_turn(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = start_holder(warehouse, seconds=1)
    started = time.monotonic()
    with exclusive_warehouse(warehouse, timeout_seconds=10, poll_seconds=0.05):
        waited = time.monotonic() - started
        assert lock_path(warehouse).read_text().startswith("pid ")
    holder.join()
    assert waited > 0.3  # it really waited for the holder to finish


def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = start_holder(warehouse, seconds=60)
    assert holder_of(warehouse) == lock_path(warehouse).read_text().strip()
    assert f"pid {holder.pid}" in str(holder_of(warehouse))
    holder.kill()
    holder.join()
    assert holder_of(warehouse) is None  # the operating system let go with the process
    started = time.monotonic()
    with exclusive_warehouse(warehouse, timeout_seconds=2, poll_seconds=0.05):
        assert f"pid {os.getpid()} since" in lock_path(warehouse).read_text()
    assert time.monotonic() - started < 1  # taken at once, not after waiting out the timeout


def test_the_lock_is_re_entrant_within_a_process(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with exclusive_warehouse(warehouse, timeout_seconds=0.5):
        # `usage-analytics run` holds it, then the run's warehouse resource takes it again
        with exclusive_warehouse(warehouse, timeout_seconds=0.5):
            pass
        assert "pid" in lock_path(warehouse).read_text(encoding="utf-8")  # still held
        # ...and a forked child, which copies the process's memory but not its lock, waits
        context = multiprocessing.get_context("fork")
        child = context.Process(target=hold, args=(str(warehouse), 0, context.Event()))
        child.start()
        child.join(timeout=30)
        assert child.exitcode != 0  # gave up after its 5 s: WarehouseBusyError
    holder = start_holder(warehouse, seconds=0)  # released at the outer block's end
    holder.join(timeout=10)
    assert holder.exitcode == 0


def test_a_program_holding_the_duckdb_file_makes_the_lock_give_up_naming_it(
    tmp_path: Path,
) -> None:
    # a BI tool's read-only connection: DuckDB then refuses every writer of the file
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True);"
            " print('holding', flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert f"(PID {holder.pid})" in (duckdb_holder_of(warehouse) or "")
        waits: list[str] = []
        held = rf"^warehouse busy: {re.escape(str(warehouse))} is held by .*\(PID {holder.pid}\)"
        busy = pytest.raises(WarehouseBusyError, match=held)
        lock = exclusive_warehouse(
            warehouse, timeout_seconds=0.5, poll_seconds=0.05, on_wait=waits.append
        )
        with busy, lock:
            pass
        assert len(waits) == 1 and f"(PID {holder.pid})" in waits[0]
    finally:
        holder.kill()
        holder.wait()
    assert duckdb_holder_of(warehouse) is None
    with exclusive_warehouse(warehouse, timeout_seconds=0.5):
        pass  # free again: no wait, no error
