"""Two `usage-analytics run` started at once on one warehouse: the second waits its turn."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CLI, REPO_ROOT, query, run_cli, table_counts

pytestmark = pytest.mark.integration


def test_two_runs_at_once_are_serialized_and_the_warehouse_stays_whole(tmp_path: Path) -> None:
    events, warehouse = tmp_path / "events", tmp_path / "warehouse.duckdb"
    generated = run_cli("generate", "--out", str(events), "--users", "40", "--days", "5")
    assert generated.returncode == 0, generated.stderr
    args = [*CLI, "run", "--events", str(events), "--warehouse", str(warehouse)]
    # Output goes to files, not pipes: a run blocked on a full pipe that nobody reads while it
    # holds the warehouse would stall the other run waiting for the lock.
    logs = [tmp_path / f"run{n}.log" for n in range(2)]
    handles = [open(log, "w", encoding="utf-8") for log in logs]  # noqa: SIM115
    try:
        runs = [
            subprocess.Popen(
                args,
                cwd=REPO_ROOT,
                env=dict(os.environ),
                text=True,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
            for handle in handles
        ]
        for run in runs:
            run.wait(timeout=600)
    finally:
        for handle in handles:
            handle.close()
    outputs = [(log.read_text(encoding="utf-8"), "") for log in logs]
    assert [run.returncode for run in runs] == [0, 0], [out[0][-2000:] for out in outputs]
    stdout = "".join(out[0] for out in outputs)
    assert "waiting for pid " in stdout  # one of them queued behind the other
    # exactly one of them landed the files; the other found them already landed
    assert stdout.count("0 new file(s)") == 1
    (files,) = query(warehouse, "select count(*) from raw.load_manifest")[0]
    assert files == len(list(events.rglob("*.ndjson")))
    before = table_counts(warehouse)
    again = run_cli("run", "--events", str(events), "--warehouse", str(warehouse))
    assert again.returncode == 0
    assert table_counts(warehouse) == before
