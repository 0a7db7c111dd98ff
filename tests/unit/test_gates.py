"""Gate results: rows from Dagster check evaluations, the summary's gate lines, the HTML page,
and the thresholds read from the environment. No Great Expectations import here."""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.resources import QualityGates, SettingError, Warehouse, from_env
from orchestration.summary import RunSummary
from usage_analytics.quality.gates import (
    append_gate_results,
    rows_from_dbt_test_observations,
    rows_from_evaluations,
    write_quality_page,
)

AT = dt.datetime(2026, 1, 20, 12, 0)


def gx_evaluation(passed: bool) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(["raw", "events"]),
        check_name="gx_landing_batch",
        passed=passed,
        blocking=True,
        metadata={
            "gate_source": "great_expectations",
            "expectations": dg.MetadataValue.json(
                [
                    {
                        "expectation": "expect_column_values_to_not_be_null(event_id)",
                        "passed": True,
                        "observed": "0 of 9 rows unexpected",
                        "threshold": "not null",
                    },
                    {
                        "expectation": "expect_column_mean_to_be_between(is_quarantined)",
                        "passed": passed,
                        "observed": "0.4",
                        "threshold": "in [0, 0.05]",
                    },
                ]
            ),
        },
    )


def dbt_evaluation() -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(["marts", "fct_events"]),
        check_name="unique_fct_events_event_id",
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "unique_id": "test.usage_analytics.unique_fct_events_event_id.1",
            "status": "fail",
            "dagster_dbt/failed_row_count": 3,
        },
    )


def test_gx_evaluations_become_one_row_per_expectation_and_dbt_tests_one_row() -> None:
    rows = rows_from_evaluations("run-1", [gx_evaluation(False), dbt_evaluation()], AT)
    assert [(row.check_name, row.source, row.passed) for row in rows] == [
        ("gx_landing_batch", "great_expectations", True),
        ("gx_landing_batch", "great_expectations", False),
        ("unique_fct_events_event_id", "dbt", False),
    ]
    assert (rows[1].observed, rows[1].threshold, rows[1].is_blocking) == (
        "0.4",
        "in [0, 0.05]",
        True,
    )
    assert (rows[2].observed, rows[2].threshold) == ("3 failing rows", "0 failing rows")


def test_dbt_tests_logged_as_observations_become_one_row_each() -> None:
    metadata = {"unique_id": "test.usage_analytics.assert_x.abc", "status": "pass"}
    observations = [
        dg.AssetObservation(asset_key=["marts", "a"], metadata=metadata),
        dg.AssetObservation(asset_key=["marts", "b"], metadata=metadata),  # same test
        dg.AssetObservation(asset_key=["marts", "b"], metadata={"unique_id": "model.x"}),
    ]
    (row,) = rows_from_dbt_test_observations("run-1", observations, AT)
    assert (row.asset_key, row.check_name, row.passed) == ("marts/a", "assert_x", True)


def test_gate_results_are_appended_and_the_page_written(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    rows = rows_from_evaluations("run-1", [gx_evaluation(False), dbt_evaluation()], AT)
    con = duckdb.connect(str(warehouse))
    try:
        append_gate_results(con, rows)
        append_gate_results(con, rows[:1])  # appends, creates only once
        assert con.execute("select count(*) from audit.gate_results").fetchone() == (4,)
    finally:
        con.close()
    page = write_quality_page(warehouse, "run-1", rows)
    assert page == tmp_path / "quality" / "index.html"
    text = page.read_text()
    assert "run-1" in text and "is_quarantined" in text and "in [0, 0.05]" in text
    assert "1 of 2 gates passed" not in text and "0 of 2 gates passed" in text


def test_summary_lists_gx_gates_and_failures_with_observed_and_threshold() -> None:
    summary = RunSummary(success=False, warehouse=Path("w.duckdb"))
    summary.gate_rows = rows_from_evaluations("run-1", [gx_evaluation(False), dbt_evaluation()], AT)
    text = summary.render()
    assert "FAIL      raw/events:gx_landing_batch (great_expectations, error, blocking)" in text
    assert "expect_column_mean_to_be_between(is_quarantined): observed 0.4," in text
    assert "threshold in [0, 0.05]" in text
    assert "marts/fct_events:unique_fct_events_event_id (dbt, error)" in text
    passing = RunSummary(success=True, warehouse=Path("w.duckdb"))
    passing.gate_rows = rows_from_evaluations("run-2", [gx_evaluation(True)], AT)
    assert "PASS      raw/events:gx_landing_batch" in passing.render()


def test_thresholds_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert from_env("quality_gates", QualityGates) == QualityGates()
    monkeypatch.setenv("USAGE_ANALYTICS_MAX_QUARANTINED_SHARE", "0.2")
    monkeypatch.setenv("USAGE_ANALYTICS_VOLUME_TRAILING_BATCHES", "3")
    thresholds = from_env("quality_gates", QualityGates)
    assert (thresholds.max_quarantined_share, thresholds.volume_trailing_batches) == (0.2, 3)
    monkeypatch.setenv("USAGE_ANALYTICS_MAX_UNKNOWN_EVENT_SHARE", "1.5")
    with pytest.raises(SettingError, match="USAGE_ANALYTICS_MAX_UNKNOWN_EVENT_SHARE='1.5'"):
        from_env("quality_gates", QualityGates)
    monkeypatch.setenv("USAGE_ANALYTICS_MAX_UNKNOWN_EVENT_SHARE", "lots")
    with pytest.raises(SettingError, match="valid number"):
        from_env("quality_gates", QualityGates)


def test_the_lock_timeout_is_validated_like_every_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USAGE_ANALYTICS_LOCK_TIMEOUT_SECONDS", "-5")
    with pytest.raises(SettingError, match="USAGE_ANALYTICS_LOCK_TIMEOUT_SECONDS='-5'"):
        from_env("warehouse", Warehouse)


def test_the_quality_page_escapes_what_it_shows(tmp_path: Path) -> None:
    rows = rows_from_evaluations("run-<1>", [gx_evaluation(False)], AT)
    page = write_quality_page(tmp_path / "w.duckdb", "run-<1>", rows).read_text()
    assert "run-&lt;1&gt;" in page and "run-<1>" not in page
    assert '<tr class="fail">' in page and "0 of 1 gates passed" in page
