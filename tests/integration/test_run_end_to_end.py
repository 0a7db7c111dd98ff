"""`usage-analytics generate` + `usage-analytics run`, end to end, on temporary folders."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import query, run_cli, table_counts, write_events

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A generated sample with 2% dirty lines, landed and built once for the module."""
    work = tmp_path_factory.mktemp("e2e")
    events, warehouse = work / "events", work / "warehouse.duckdb"
    generated = run_cli(
        "generate",
        "--out",
        str(events),
        "--users",
        "150",
        "--days",
        "14",
        "--seed",
        "7",
        "--dirty-share",
        "0.02",
    )
    assert generated.returncode == 0, generated.stderr
    run = run_cli("run", "--events", str(events), "--warehouse", str(warehouse))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return {
        "work": work,
        "events": events,
        "warehouse": warehouse,
        "run": run,
        "generated": generated.stdout,
    }


def test_run_prints_summary_and_builds_the_core_marts(landed: dict[str, object]) -> None:
    stdout = landed["run"].stdout
    assert "usage-analytics run: OK" in stdout
    assert "0 failed" in stdout
    warehouse = landed["warehouse"]
    for table in ("fct_events", "fct_sessions", "dim_users"):
        (count,) = query(warehouse, f"select count(*) from marts.{table}")[0]
        assert count > 0, table


def test_fct_events_holds_every_clean_generated_event(landed: dict[str, object]) -> None:
    # the generator reports its clean events; duplicates are exact re-sent copies and
    # malformed lines are quarantined, so the kept events are exactly the clean ones
    clean = int(landed["generated"].split("generated ")[1].split(" events")[0].replace(",", ""))
    (count,) = query(landed["warehouse"], "select count(*) from marts.fct_events")[0]
    assert count == clean


def test_every_landed_file_reconciles(landed: dict[str, object]) -> None:
    warehouse = landed["warehouse"]
    files = query(
        warehouse,
        """
        select
            manifest.file_path,
            manifest.count_lines,
            (select count(*) from raw.events as events
                where events.load_id = manifest.load_id
                and events.file_path = manifest.file_path) as count_valid,
            (select count(*) from audit.quarantine as quarantine
                where quarantine.load_id = manifest.load_id
                and quarantine.file_path = manifest.file_path) as count_quarantined
        from raw.load_manifest as manifest
        """,
    )
    assert len(files) == len(list(Path(landed["events"]).rglob("*.ndjson")))
    physical_lines = 0
    for path, count_lines, count_valid, count_quarantined in files:
        assert count_lines == count_valid + count_quarantined, path
        physical_lines += count_lines
    on_disk = sum(
        len(p.read_bytes().splitlines()) for p in Path(landed["events"]).rglob("*.ndjson")
    )
    assert physical_lines == on_disk
    # loaded + duplicates + quarantined, with duplicates decided by dedup, per file
    rows = query(
        warehouse,
        "select file_path, count_lines, count_loaded, count_duplicates, count_quarantined,"
        " is_reconciled from audit.load_reconciliation",
    )
    assert rows and all(row[-1] for row in rows)
    assert sum(row[3] for row in rows) > 0, "the dirty sample should contain re-sent copies"
    assert sum(row[4] for row in rows) > 0, "the dirty sample should contain malformed lines"
    (loaded,) = query(warehouse, "select count(*) from marts.fct_events")[0]
    assert sum(row[2] for row in rows) == loaded


def test_every_event_in_exactly_one_session(landed: dict[str, object]) -> None:
    warehouse = landed["warehouse"]
    orphans = query(
        warehouse,
        "select count(*) from marts.fct_events as events "
        "left join marts.fct_sessions as sessions on events.session_id = sessions.session_id "
        "where sessions.session_id is null",
    )[0][0]
    assert orphans == 0
    (sessions, distinct) = query(
        warehouse, "select count(*), count(distinct session_id) from marts.fct_sessions"
    )[0]
    assert sessions == distinct
    (sum_count_events,) = query(warehouse, "select sum(count_events) from marts.fct_sessions")[0]
    (events,) = query(warehouse, "select count(*) from marts.fct_events")[0]
    assert sum_count_events == events


def personal_values(events: Path) -> set[str]:
    """Every email and IP the input files carry in clear (emails as sent and lower-cased)."""
    values: set[str] = set()
    for path in events.rglob("*.ndjson"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(event, dict):
                continue
            context = event.get("context") or {}
            for value in (
                (event.get("traits") or {}).get("email"),
                (context.get("traits") or {}).get("email"),
                context.get("ip"),
            ):
                if isinstance(value, str) and value:
                    values |= {value, value.strip().lower()}
    return values


def test_no_personal_data_in_clear_outside_quarantine(landed: dict[str, object]) -> None:
    values = personal_values(Path(landed["events"]))
    assert len(values) > 50, "the sample should carry emails and IPs to hash"
    con = duckdb.connect()
    try:
        con.execute(f"attach '{landed['warehouse']}' as warehouse (read_only)")
        con.execute("create table personal (value varchar)")
        con.executemany("insert into personal values (?)", [[v] for v in sorted(values)])
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = 'warehouse' and data_type in ('VARCHAR', 'JSON') "
            "and not (table_schema = 'audit' and table_name = 'quarantine')"
        ).fetchall()
        assert len(columns) > 20
        for schema, table, column in columns:
            (hits,) = con.execute(
                f'select count(*) from warehouse.{schema}."{table}" as t '
                f'inner join personal on contains(cast(t."{column}" as varchar), personal.value)'
            ).fetchone()
            assert hits == 0, f"{schema}.{table}.{column} holds an email or IP in clear"
    finally:
        con.close()


def test_running_twice_changes_no_row_count(landed: dict[str, object]) -> None:
    warehouse = landed["warehouse"]
    before = table_counts(warehouse, include_run_logs=True)
    again = run_cli("run", "--events", str(landed["events"]), "--warehouse", str(warehouse))
    assert again.returncode == 0, again.stdout[-3000:]
    assert "0 new file(s)" in again.stdout
    after = table_counts(warehouse, include_run_logs=True)
    # run logs are append-only: every run adds its gate results and its publication
    assert after.pop("audit.gate_results") > before.pop("audit.gate_results")
    assert after.pop("audit.publications") == before.pop("audit.publications") + 1
    assert after == before


def test_adding_one_file_lands_only_that_file(landed: dict[str, object], tmp_path: Path) -> None:
    warehouse = landed["warehouse"]
    events = tmp_path / "events"
    shutil.copytree(landed["events"], events)
    write_events(
        events / "extra" / "late-batch.ndjson",
        [
            {
                "event_id": f"extra-{n}",
                "type": "track",
                "event": "Report Created",
                "user_id": "extra-user",
                "timestamp": f"2026-01-10T12:0{n}:00Z",
            }
            for n in range(3)
        ]
        + [
            {
                "event_id": "extra-bad",
                "type": "track",
                "user_id": "extra-user",
                "timestamp": "2026-01-10T12:00:00Z",
            }
        ],
    )
    manifest_before = query(warehouse, "select count(*), sum(count_lines) from raw.load_manifest")
    run = run_cli("run", "--events", str(events), "--warehouse", str(warehouse))
    assert run.returncode == 0, run.stdout[-3000:]
    assert "1 new file(s)" in run.stdout
    new_files = query(
        warehouse,
        "select file_path, count_lines, count_landed, count_quarantined from raw.load_manifest "
        "where load_id = (select max(load_id) from raw.load_manifest)",
    )
    assert new_files == [("extra/late-batch.ndjson", 4, 3, 1)]
    manifest_after = query(warehouse, "select count(*), sum(count_lines) from raw.load_manifest")
    assert manifest_after[0][0] == manifest_before[0][0] + 1
    assert manifest_after[0][1] == manifest_before[0][1] + 4
    (extra,) = query(
        warehouse, "select count(*) from marts.fct_events where user_key = 'extra-user'"
    )[0]
    assert extra == 3


def test_bad_vars_fail_fast_with_a_clear_message(tmp_path: Path) -> None:
    run = run_cli(
        "run",
        "--events",
        str(tmp_path),
        "--warehouse",
        str(tmp_path / "w.duckdb"),
        "--vars",
        "{session_timeout: 45}",
    )
    assert run.returncode == 2
    assert "unknown dbt var(s) session_timeout" in run.stderr


def test_missing_landing_folder_is_a_clear_error(tmp_path: Path) -> None:
    run = run_cli("run", "--events", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w"))
    assert run.returncode == 2
    assert "no landing folder" in run.stderr
