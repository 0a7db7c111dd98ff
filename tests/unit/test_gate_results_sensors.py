"""Runs launched by the schedule or the UI record their gates through run-status sensors."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.quality.sensors import (
    gate_results_of_failed_runs,
    gate_results_of_succeeded_runs,
)
from orchestration.defs.resources import Warehouse


@dg.asset
def numbers() -> int:
    return 3


@dg.asset_check(asset=numbers, blocking=True)
def numbers_are_small() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"observed": "3", "threshold": "< 10"})


@dg.asset_check(asset=numbers)
def numbers_are_even() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"observed": "3", "threshold": "even"},
    )


@dg.asset(deps=[numbers])
def broken() -> None:
    raise RuntimeError("boom")


def gate_rows(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select run_id, asset_key, check_name, severity, is_blocking, passed, observed,"
            " threshold from audit.gate_results order by check_name"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    return path


def test_a_succeeded_run_appends_its_check_results(warehouse: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    defs_checks = dg.Definitions(
        assets=[numbers], asset_checks=[numbers_are_small, numbers_are_even]
    )
    job = defs_checks.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert result.success
    with dg.build_run_status_sensor_context(
        sensor_name="gate_results_of_succeeded_runs",
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"warehouse": Warehouse(database=str(warehouse))},
    ) as context:
        outcome = gate_results_of_succeeded_runs(context)
    assert "recorded 2 gate rows" in str(outcome.skip_message)
    assert gate_rows(warehouse) == [
        (result.run_id, "numbers", "numbers_are_even", "warn", False, False, "3", "even"),
        (result.run_id, "numbers", "numbers_are_small", "error", True, True, "3", "< 10"),
    ]
    assert result.run_id in (warehouse.parent / "quality" / "index.html").read_text()


def test_a_failed_run_appends_its_check_results(warehouse: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    defs_checks = dg.Definitions(
        assets=[numbers, broken], asset_checks=[numbers_are_small, numbers_are_even]
    )
    job = defs_checks.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    failure = next(event for event in result.all_events if event.is_run_failure)
    with dg.build_run_status_sensor_context(
        sensor_name="gate_results_of_failed_runs",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"warehouse": Warehouse(database=str(warehouse))},
    ) as context:
        gate_results_of_failed_runs(context.for_run_failure())
    assert [(row[0], row[2], row[5]) for row in gate_rows(warehouse)] == [
        (result.run_id, "numbers_are_even", False),
        (result.run_id, "numbers_are_small", True),
    ]
