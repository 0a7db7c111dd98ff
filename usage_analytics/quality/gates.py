"""Gate results: every asset check result of a run, in ``audit.gate_results`` and an HTML page.

A gate is an asset check: a Great Expectations suite (``orchestration/defs/quality``), a dbt test
(dagster-dbt turns each into an asset check) or the landing reconciliation. A GX check writes one
row per expectation; any other check one row.
"""

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import jinja2

from usage_analytics.warehouse.schema import ensure_schema

GX_SOURCE = "great_expectations"
EXPECTATIONS_METADATA_KEY = "expectations"  # GX checks: a JSON list of expectation results


@dataclass(frozen=True)
class GateRow:
    """One row of ``audit.gate_results``."""

    run_id: str
    asset_key: str
    check_name: str
    expectation: str | None
    source: str
    severity: str
    is_blocking: bool
    passed: bool
    observed: str | None
    threshold: str | None
    checked_at: dt.datetime

    @property
    def gate(self) -> str:
        """``asset:check``, the name the summary and the page use."""
        return f"{self.asset_key}:{self.check_name}"

    @property
    def status(self) -> str:
        """PASS, FAIL (error) or WARN (a failed warning)."""
        return _status(self.passed, self.severity)


def rows_from_evaluations(
    run_id: str,
    evaluations: Iterable[dg.AssetCheckEvaluation],
    checked_at: dt.datetime | None = None,
) -> list[GateRow]:
    """Gate rows of a run's asset check evaluations (one per GX expectation, else one per check)."""
    checked_at = checked_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = []
    for evaluation in evaluations:
        metadata = {key: value.value for key, value in evaluation.metadata.items()}
        severity = "error" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warn"
        common = {
            "run_id": run_id,
            "asset_key": evaluation.asset_key.to_user_string(),
            "check_name": evaluation.check_name,
            "severity": severity,
            "is_blocking": bool(evaluation.blocking),
            "checked_at": checked_at,
        }
        expectations = metadata.get(EXPECTATIONS_METADATA_KEY)
        if isinstance(expectations, list) and expectations:
            rows += [
                GateRow(
                    **common,
                    expectation=item["expectation"],
                    source=GX_SOURCE,
                    passed=bool(item["passed"]),
                    observed=item["observed"],
                    threshold=item["threshold"],
                )
                for item in expectations
            ]
            continue
        if "dagster_dbt/failed_row_count" in metadata or "unique_id" in metadata:
            failures = metadata.get("dagster_dbt/failed_row_count")
            observed = (
                f"{failures} failing rows" if failures is not None else metadata.get("status")
            )
            source, threshold = "dbt", "0 failing rows"
        else:
            source = str(metadata.get("gate_source", "dagster"))
            observed, threshold = metadata.get("observed"), metadata.get("threshold")
        rows.append(
            GateRow(
                **common,
                expectation=None,
                source=source,
                passed=bool(evaluation.passed),
                observed=None if observed is None else str(observed),
                threshold=None if threshold is None else str(threshold),
            )
        )
    return rows


def rows_from_dbt_test_observations(
    run_id: str,
    observations: Iterable[dg.AssetObservation],
    checked_at: dt.datetime | None = None,
) -> list[GateRow]:
    """Gate rows of the dbt tests dagster-dbt logged as observations, not asset checks.

    Tests on sources owned by another asset (raw/events) and singular tests that read several
    models reach Dagster as an ``AssetObservation`` per upstream asset; each test is one row,
    on its first observed asset.
    """
    checked_at = checked_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows: dict[str, GateRow] = {}
    for observation in observations:
        metadata = {key: value.value for key, value in observation.metadata.items()}
        unique_id = str(metadata.get("unique_id") or "")
        if not unique_id.startswith("test.") or unique_id in rows:
            continue
        status = str(metadata.get("status") or "")
        failures = metadata.get("dagster_dbt/failed_row_count")
        rows[unique_id] = GateRow(
            run_id=run_id,
            asset_key=observation.asset_key.to_user_string(),
            check_name=unique_id.split(".")[2],
            expectation=None,
            source="dbt",
            severity="warn" if status == "warn" else "error",
            is_blocking=False,
            passed=status in ("pass", "success"),
            observed=status if failures is None else f"{failures} failing rows",
            threshold="0 failing rows",
            checked_at=checked_at,
        )
    return list(rows.values())


def gate_rows_of_run(instance: dg.DagsterInstance, run_id: str) -> list[GateRow]:
    """Every gate row of a finished run, read from the instance's event log.

    The one reading of a run's checks: ``usage-analytics run`` calls it on its in-process
    instance, the run-status sensors (``orchestration/defs/quality/sensors.py``) on the
    instance of scheduled and ``dagster dev`` runs.
    """
    records = instance.all_logs(
        run_id,
        of_type={
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
            dg.DagsterEventType.ASSET_OBSERVATION,
        },
    )
    evaluations = []
    observations = []
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluations.append(event.event_specific_data)
        else:
            observations.append(event.event_specific_data.asset_observation)
    return rows_from_evaluations(run_id, evaluations) + rows_from_dbt_test_observations(
        run_id, observations
    )


def record_run_gates(warehouse: Path, run_id: str, rows: Sequence[GateRow]) -> Path | None:
    """Appends a run's gate rows to ``audit.gate_results`` and rewrites the quality page.

    Returns:
        The quality page, or None when the warehouse does not exist (nothing ran).
    """
    if not warehouse.exists():
        return None
    con = duckdb.connect(str(warehouse))
    try:
        append_gate_results(con, rows)
    finally:
        con.close()
    return write_quality_page(warehouse, run_id, rows)


def append_gate_results(con: duckdb.DuckDBPyConnection, rows: Sequence[GateRow]) -> None:
    """Creates ``audit.gate_results`` when missing and appends the rows."""
    ensure_schema(con)
    if rows:
        con.executemany(
            "insert into audit.gate_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    row.run_id,
                    row.asset_key,
                    row.check_name,
                    row.expectation,
                    row.source,
                    row.severity,
                    row.is_blocking,
                    row.passed,
                    row.observed,
                    row.threshold,
                    row.checked_at,
                ]
                for row in rows
            ],
        )


@dataclass(frozen=True)
class Gate:
    """One asset check of a run, its expectations folded together."""

    name: str
    source: str
    severity: str
    is_blocking: bool
    passed: bool
    failures: list[GateRow]  # the failed rows (expectations), with observed and threshold

    @property
    def status(self) -> str:
        """PASS, FAIL (error) or WARN (a failed warning)."""
        return _status(self.passed, self.severity)


def _status(passed: bool, severity: str) -> str:
    if passed:
        return "PASS"
    return "FAIL" if severity == "error" else "WARN"


def gates_of(rows: Sequence[GateRow]) -> list[Gate]:
    """The rows grouped by check, in their order."""
    grouped: dict[str, list[GateRow]] = {}
    for row in rows:
        grouped.setdefault(row.gate, []).append(row)
    return [
        Gate(
            name=name,
            source=items[0].source,
            severity=items[0].severity,
            is_blocking=items[0].is_blocking,
            passed=all(item.passed for item in items),
            failures=[item for item in items if not item.passed],
        )
        for name, items in grouped.items()
    ]


def quality_page_path(warehouse: Path) -> Path:
    """``<warehouse dir>/quality/index.html``."""
    return warehouse.parent / "quality" / "index.html"


def write_quality_page(warehouse: Path, run_id: str, rows: Sequence[GateRow]) -> Path:
    """Writes the run's gate results as a static HTML page beside the warehouse.

    GX Data Docs need a file-backed context; the gates validate in an ephemeral one, so this
    page, built from the same results as ``audit.gate_results``, takes their place.
    """
    path = quality_page_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    gates = gates_of(rows)
    page = (
        _templates()
        .get_template("quality.html.j2")
        .render(
            run_id=run_id,
            warehouse=warehouse,
            count_gates=len(gates),
            count_passed=sum(gate.passed for gate in gates),
            checked_at=rows[0].checked_at.isoformat(sep=" ", timespec="seconds") if rows else "",
            rows=sorted(rows, key=lambda row: (row.passed, row.source != GX_SOURCE, row.gate)),
        )
    )
    path.write_text(page + "\n", encoding="utf-8")
    return path


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("usage_analytics.quality"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def expectation_metadata(results: Sequence[Any]) -> list[dict[str, object]]:
    """A GX suite's expectation results as the JSON list ``rows_from_evaluations`` reads."""
    return [
        {
            "expectation": result.expectation,
            "passed": result.passed,
            "observed": result.observed,
            "threshold": result.threshold,
        }
        for result in results
    ]
