"""Quality gates end to end: GX asset checks block a bad batch, and every gate is recorded."""

from pathlib import Path

import pytest

from tests.conftest import query, run_cli

pytestmark = pytest.mark.integration

GX_GATES = ("raw/events:gx_landing_batch", "raw/events:gx_landing_volume")


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated sample with 5% dirty lines (malformed ones are quarantined)."""
    out = tmp_path_factory.mktemp("gates") / "events"
    generated = run_cli(
        "generate", "--out", str(out), "--users", "60", "--days", "7", "--seed", "3",
        "--dirty-share", "0.05",
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    return out


def gate_rows(warehouse: Path) -> list[tuple]:
    return query(
        warehouse,
        "select run_id, asset_key || ':' || check_name, source, severity, passed, observed,"
        " threshold from audit.gate_results",
    )


def test_a_good_run_passes_every_gate_and_records_them(events: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "good" / "warehouse.duckdb"
    run = run_cli("run", "--events", str(events), "--warehouse", str(warehouse))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for gate in GX_GATES:
        assert f"PASS      {gate} " in run.stdout, gate
    rows = gate_rows(warehouse)
    assert len({row[0] for row in rows}) == 1  # one run
    assert all(row[4] for row in rows), [row for row in rows if not row[4]]
    assert {row[1] for row in rows} >= set(GX_GATES)
    sources = {row[2] for row in rows}
    assert {"great_expectations", "dbt", "freshness"} <= sources
    dbt_tests = {row[1] for row in rows if row[2] == "dbt"}
    assert "marts_candidate/fct_events:unique_fct_events_event_id" in dbt_tests
    page = warehouse.parent / "quality" / "index.html"
    assert page.exists() and rows[0][0] in page.read_text()
    assert f"quality     {page}" in run.stdout


def test_a_batch_over_the_quarantine_threshold_stops_the_run(events: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "bad" / "warehouse.duckdb"
    run = run_cli(
        "run",
        "--events",
        str(events),
        "--warehouse",
        str(warehouse),
        env={"USAGE_ANALYTICS_MAX_QUARANTINED_SHARE": "0.001"},
    )
    assert run.returncode == 1, run.stdout[-3000:]
    stdout = run.stdout
    assert "usage-analytics run: FAILED" in stdout
    assert "FAIL      raw/events:gx_landing_batch (great_expectations, error, blocking)" in stdout
    assert "expect_column_mean_to_be_between(is_quarantined): observed 0.0" in stdout
    assert "threshold in [0, 0.001]" in stdout
    # blocking: dbt never ran, so no mart exists
    assert not query(
        warehouse, "select * from information_schema.tables where table_schema = 'marts'"
    )
    rows = gate_rows(warehouse)
    failed = [row for row in rows if not row[4]]
    assert [(row[1], row[3], row[6]) for row in failed] == [
        ("raw/events:gx_landing_batch", "error", "in [0, 0.001]")
    ]
    assert float(failed[0][5]) > 0.001
    page = (warehouse.parent / "quality" / "index.html").read_text()
    assert "FAIL" in page and "is_quarantined" in page and rows[0][0] in page
