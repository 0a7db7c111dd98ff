"""Quality gates end to end: GX asset checks block a bad batch, and every gate is recorded."""

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import query, run_cli, write_events

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


START = dt.datetime(2026, 1, 5)


def page_views(count_lines: int, count_ids: int) -> list[dict[str, object]]:
    """``count_lines`` page views of 40 users over a day carrying ``count_ids`` event ids (the
    lines past the first ``count_ids`` re-send earlier ids)."""
    return [
        {
            "event_id": f"page-{n % count_ids}",
            "type": "page",
            "user_id": f"user-{n % count_ids % 40}",
            "timestamp": f"{START + dt.timedelta(minutes=3 * (n % count_ids)):%Y-%m-%dT%H:%M:%SZ}",
            "received_at": "2026-01-06T00:00:00Z",
            "context": {"page": {"path": "/pricing"}},
        }
        for n in range(count_lines)
    ]


def test_a_batch_of_copies_of_a_few_event_ids_stops_the_run(tmp_path: Path) -> None:
    events = write_events(tmp_path / "copies" / "events.jsonl", page_views(400, 4)).parent
    warehouse = tmp_path / "copies.duckdb"
    run = run_cli("run", "--events", str(events), "--warehouse", str(warehouse))
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "FAIL      raw/events:gx_landing_batch (great_expectations, error, blocking)" in (
        run.stdout
    )
    assert "expect_column_mean_to_be_between(is_duplicate_event_id): observed 0.99" in run.stdout
    assert "threshold in [0, 0.5] where is_quarantined == 0" in run.stdout
    assert query(warehouse, "select count(*) from raw.events") == [(400,)]  # landed, not published
    assert query(warehouse, "select count(*) from audit.publications") == [(0,)]
    assert not query(
        warehouse, "select * from information_schema.tables where table_schema = 'marts'"
    )


def test_a_batch_with_a_few_resent_copies_passes(tmp_path: Path) -> None:
    events = write_events(tmp_path / "resent" / "events.jsonl", page_views(400, 390)).parent
    warehouse = tmp_path / "resent.duckdb"
    run = run_cli("run", "--events", str(events), "--warehouse", str(warehouse))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "PASS      raw/events:gx_landing_batch " in run.stdout
    assert query(warehouse, "select count(*) from marts.fct_events") == [(390,)]
