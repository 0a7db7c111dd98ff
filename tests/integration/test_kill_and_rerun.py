"""Faults: a run killed with SIGKILL at any point converges, on rerun, to the uninterrupted result.

Each case starts from the same warehouse (the first 3 days landed and published), adds days 4–6
and runs `usage-analytics run` in its own process group, then kills the whole group (the CLI and
its dbt subprocess) at one point:

- ``landing``: after the first of several landing batches committed (fault point
  ``landing_batch_committed``, one file per batch);
- ``dbt``: while dbt is building, just after it created ``marts_candidate.fct_events`` (read
  from the run's output as it streams);
- ``before_publish``: after every gate passed, just before the publish transaction (fault
  point ``before_publish``).

After the kill the published marts are still the first publication's. The rerun must land
each file exactly once and publish marts whose content hash equals that of an uninterrupted
run on the same files. ``load_id`` (which run landed a row) is lineage, not content: it
differs between any two histories and is left out of the comparison.
"""

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from tests.conftest import CLI, REPO_ROOT, query, run_cli, schema_fingerprint

pytestmark = pytest.mark.integration

FIRST_DAYS = 3
LINEAGE_COLUMNS = ("load_id",)
KILL_TIMEOUT_SECONDS = 300


def day_files(events: Path) -> list[Path]:
    return sorted(events.rglob("*.ndjson*"))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Six days of events; a warehouse with the first three published; the uninterrupted run's
    warehouse with all six."""
    root = tmp_path_factory.mktemp("kill")
    events = root / "events"
    generated = run_cli(
        "generate", "--out", str(events), "--users", "40", "--days", "6", "--seed", "5",
        "--dirty-share", "0.01",
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    files = day_files(events)
    assert len(files) >= 6
    first = root / "first-landing"
    for file in files[:FIRST_DAYS]:
        target = first / file.relative_to(events)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(file, target)
    published = root / "published" / "warehouse.duckdb"
    run = run_cli("run", "--events", str(first), "--warehouse", str(published))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    uninterrupted = root / "uninterrupted" / "warehouse.duckdb"
    uninterrupted.parent.mkdir()
    shutil.copy(published, uninterrupted)
    run = run_cli("run", "--events", str(events), "--warehouse", str(uninterrupted))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return {"events": events, "published": published, "uninterrupted": uninterrupted}


def fingerprint(warehouse: Path) -> dict[str, str]:
    return schema_fingerprint(warehouse, "marts", exclude_columns=LINEAGE_COLUMNS)


def landing_state(warehouse: Path) -> tuple[list[tuple], list[tuple]]:
    """Per landed file: path and line counts; per event id: how many raw rows it has."""
    files = query(
        warehouse,
        "select file_path, count(*), sum(count_lines), sum(count_landed), "
        "sum(count_quarantined) from raw.load_manifest group by file_path order by file_path",
    )
    events = query(
        warehouse,
        "select event_id, count(*) from raw.events group by event_id order by event_id",
    )
    return files, events


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + KILL_TIMEOUT_SECONDS
    while not condition():
        assert process.poll() is None, "the run ended before reaching the kill point"
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.2)


def wait_for_lock_released(warehouse: Path) -> None:
    """Waits until the killed run's processes have let go of the warehouse. SIGKILL is
    delivered asynchronously: the CLI is reaped by ``wait()``, but its dbt subprocess may still
    be exiting, and holds the file's lock until it has."""
    deadline = time.monotonic() + 30
    while True:
        try:
            duckdb.connect(str(warehouse), read_only=True).close()
            return
        except duckdb.IOException as error:
            assert "lock" in str(error), error
            assert time.monotonic() < deadline, f"the warehouse is still locked: {error}"
            time.sleep(0.05)


@pytest.mark.parametrize("kill_point", ["landing", "dbt", "before_publish"])
def test_a_killed_run_converges_on_rerun(
    history: dict[str, Path], tmp_path: Path, kill_point: str
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(history["published"], warehouse)
    published_before = fingerprint(warehouse)
    output = tmp_path / "killed-run.log"
    marker = tmp_path / "fault-marker"
    env = {
        **os.environ,
        "USAGE_ANALYTICS_LANDING_BATCH_BYTES": "1",  # one file per landing transaction
        "USAGE_ANALYTICS_FAULT_MARKER": str(marker),
    }
    if kill_point == "landing":
        env["USAGE_ANALYTICS_FAULT_PAUSE"] = "landing_batch_committed"
    elif kill_point == "before_publish":
        env["USAGE_ANALYTICS_FAULT_PAUSE"] = "before_publish"
    # -v: dbt's log on stdout, where the "dbt" kill point looks for its moment
    args = ["run", "-v", "--events", str(history["events"]), "--warehouse", str(warehouse)]
    with output.open("wb") as log:
        process = subprocess.Popen(
            [*CLI, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            env=env,
            start_new_session=True,  # its own process group: the CLI and its dbt subprocess
        )
        try:
            if kill_point == "dbt":
                # "OK created sql <materialization> model marts_candidate.fct_events"
                created = re.compile(r"OK created sql \w+ model marts_candidate\.fct_events ")
                wait_for(lambda: bool(created.search(output.read_text(errors="replace"))), process)
            else:
                wait_for(marker.exists, process)
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            wait_for_lock_released(warehouse)
    assert process.returncode == -signal.SIGKILL

    # killed: BI still sees the first publication, whole
    assert fingerprint(warehouse) == published_before
    (publications,) = query(warehouse, "select count(*) from audit.publications")[0]
    assert publications == 1
    files_landed = len(query(warehouse, "select distinct file_path from raw.load_manifest"))
    if kill_point == "landing":
        # the first day-4 file committed, the others did not
        assert files_landed == FIRST_DAYS + 1
    else:
        assert files_landed == len(day_files(history["events"]))

    rerun = run_cli("run", "--events", str(history["events"]), "--warehouse", str(warehouse))
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    # every file landed exactly once, and each event id has as many raw rows (duplicates sent
    # twice included) as in the uninterrupted run: nothing landed twice, nothing lost
    files, events = landing_state(warehouse)
    assert all(row[1] == 1 for row in files), files
    assert (files, events) == landing_state(history["uninterrupted"])
    # and the published marts hold exactly what the uninterrupted run published
    assert fingerprint(warehouse) == fingerprint(history["uninterrupted"])
    assert fingerprint(warehouse) != published_before
