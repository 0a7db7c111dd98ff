"""The short summary ``usage-analytics run`` prints."""

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.resources import Warehouse
from usage_analytics.publishing.marts import PUBLISHED_SCHEMA
from usage_analytics.quality.gates import GX_SOURCE, GateRow, gates_of
from usage_analytics.warehouse.schema import has_relation

SUMMARY_WAIT_SECONDS = 10.0  # a dbt process that just finished may still hold the file


@dataclass
class RunSummary:
    """What a run did, gathered from its Dagster events and the warehouse."""

    success: bool
    warehouse: Path
    landing: dict[str, object] = field(default_factory=dict)
    assets_materialized: int = 0
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)  # blocking or error severity
    checks_warned: list[str] = field(default_factory=list)  # failed warnings: never blocking
    steps_failed: list[str] = field(default_factory=list)
    mart_rows: dict[str, int] = field(default_factory=dict)
    gate_rows: list[GateRow] = field(default_factory=list)
    quality_page: Path | None = None
    seconds: float = 0.0
    command: str = "run"
    landed: bool = True  # false: a rebuild without the landing step (``forget``)
    published: str | None = None  # this run's publication id; None: marts were not replaced
    last_publication: str | None = None  # what `marts` serves: "<id> at <time>"
    partitions: tuple[dt.date, dt.date] | None = None  # a backfill's arrival dates
    step_seconds: dict[str, float] = field(default_factory=dict)  # wall time of each step
    # the marts a successful run materializes and publishes, and those it did not
    marts_expected: list[str] = field(default_factory=list)
    marts_not_published: list[str] = field(default_factory=list)
    serving_copy: Path | None = None  # the file BI tools open
    log_file: Path | None = None  # where the dbt and Dagster logs went (None: the terminal)
    instance: str | None = None  # the Dagster instance that recorded the run (None: throwaway)

    def as_dict(self) -> dict[str, object]:
        """The summary as JSON-ready values (``--json``)."""
        values = dataclasses.asdict(self)
        values["status"] = "OK" if self.success else "FAILED"
        values["gate_rows"] = [
            {key: value for key, value in row.items() if key != "run_id"}
            for row in values["gate_rows"]
        ]
        return {
            key: str(value) if isinstance(value, Path) else value for key, value in values.items()
        }

    def render(self) -> str:
        """The summary as text."""
        landing = self.landing
        reasons = landing.get("quarantined_by_reason") or {}
        status = "OK" if self.success else "FAILED"
        lines = [
            f"usage-analytics {self.command}: {status} in {self.seconds:.1f}s",
            f"  warehouse   {self.warehouse}",
            f"  landing     {landing.get('files_landed', 0)} new file(s),"
            f" {landing.get('files_skipped', 0)} already landed;"
            f" {landing.get('count_lines', 0)} lines = {landing.get('count_landed', 0)} valid"
            f" + {landing.get('count_quarantined', 0)} quarantined"
            if self.landed
            else "  landing     skipped (rebuild from the raw layer only)",
        ]
        if self.partitions is not None:
            first, last = self.partitions
            days = (last - first).days + 1
            lines.insert(
                2,
                f"  partitions  arrival dates {first} .. {last} ({days} daily partition(s));"
                f" {landing.get('files_not_selected', 0)} file(s) of other dates not landed",
            )
        for kind in ("files_unreadable", "files_truncated"):
            if landing.get(kind):
                names = ", ".join(str(name) for name in landing[kind])
                lines.append(f"  {kind.replace('files_', ''):<11} {names}")
        if reasons:
            detail = ", ".join(f"{reason} {count}" for reason, count in reasons.items())
            lines.append(f"  quarantine  {detail}")
        lines.append(f"  assets      {self.assets_materialized} materialized")
        lines.append(
            f"  checks      {self.checks_passed} passed, {len(self.checks_failed)} failed,"
            f" {len(self.checks_warned)} warning(s) (not blocking)"
        )
        lines += self._gate_lines()
        lines += [f"  step failed {name}" for name in self.steps_failed]
        if self.marts_not_published:
            lines.append(
                f"  not built   {len(self.marts_not_published)} of {len(self.marts_expected)}"
                f" marts were not materialized and published: {', '.join(self.marts_not_published)}"
            )
        if self.published:
            count = len(self.mart_rows)
            lines.append(f"  published   {count} marts (publication {self.published})")
        else:
            serving = self.last_publication or "nothing (no publication yet)"
            lines.append(f"  published   nothing: marts still serve {serving}")
        if self.mart_rows:
            lines.append(
                "  marts       " + ", ".join(f"{t} {n:,}" for t, n in self.mart_rows.items())
            )
        if self.step_seconds:
            slowest = sorted(self.step_seconds.items(), key=lambda item: -item[1])
            lines.append(
                "  steps       " + ", ".join(f"{step} {seconds:.1f}s" for step, seconds in slowest)
            )
        if self.quality_page:
            lines.append(f"  quality     {self.quality_page}")
        if self.serving_copy is not None:
            lines.append(f"  BI tools    {self.serving_copy} (open it read-only)")
        if self.log_file is not None:
            lines.append(f"  log         {self.log_file}")
        if self.instance is not None:
            lines.append(f"  recorded    in the Dagster instance {self.instance}")
        return "\n".join(lines)

    def _gate_lines(self) -> list[str]:
        """Every GX gate with PASS/FAIL/WARN; other checks (dbt tests) only when they failed;
        each failure with its observed value and threshold."""
        lines = []
        for gate in gates_of(self.gate_rows):
            if gate.source != GX_SOURCE and gate.passed:
                continue
            kind = gate.severity + (", blocking" if gate.is_blocking else "")
            lines.append(f"    {gate.status:<4}      {gate.name} ({gate.source}, {kind})")
            for row in gate.failures:
                what = f"{row.expectation}: " if row.expectation else ""
                lines.append(
                    f"                {what}observed {row.observed}, threshold {row.threshold}"
                )
        recorded = {gate.name for gate in gates_of(self.gate_rows)}
        lines += [f"    FAILED    {name}" for name in self.checks_failed if name not in recorded]
        lines += [f"    WARN      {name}" for name in self.checks_warned if name not in recorded]
        return lines


def check_outcome(evaluation: dg.AssetCheckEvaluation) -> str:
    """``passed``; ``warned``: a failed warning that blocks nothing (freshness, volume), which
    never counts among the failed checks; or ``failed``."""
    if evaluation.passed:
        return "passed"
    if evaluation.severity == dg.AssetCheckSeverity.WARN and not evaluation.blocking:
        return "warned"
    return "failed"


def step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Wall seconds of each step of a run, from its start to its success or failure event."""
    kinds = {
        dg.DagsterEventType.STEP_START,
        dg.DagsterEventType.STEP_SUCCESS,
        dg.DagsterEventType.STEP_FAILURE,
    }
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id, of_type=kinds):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.step_key in started:
            seconds[event.step_key] = entry.timestamp - started[event.step_key]
    return seconds


def mart_row_counts(warehouse: Warehouse) -> dict[str, int]:
    """Row count of every table in the ``marts`` schema (empty when the file is missing or a
    finishing dbt process still holds it)."""
    if not warehouse.path.exists():
        return {}
    try:
        with warehouse.read_only(SUMMARY_WAIT_SECONDS) as con:
            tables = con.execute(
                "select table_name from duckdb_tables() where schema_name = $1 order by 1",
                [PUBLISHED_SCHEMA],
            ).fetchall()
            return {
                name: con.execute(f'select count(*) from {PUBLISHED_SCHEMA}."{name}"').fetchone()[0]
                for (name,) in tables
            }
    except duckdb.IOException:
        return {}


def last_publication(warehouse: Warehouse) -> tuple[str, str, str] | None:
    """(publication id, "<id> at <published_at> by run <run_id>", run id) of what ``marts``
    serves."""
    if not warehouse.path.exists():
        return None
    try:
        with warehouse.read_only(SUMMARY_WAIT_SECONDS) as con:
            if not has_relation(con, "audit.publications"):
                return None
            row = con.execute(
                "select publication_id, run_id, published_at from audit.publications "
                "order by published_at desc limit 1"
            ).fetchone()
    except duckdb.IOException:
        return None
    if row is None:
        return None
    return (
        row[0],
        f"publication {row[0]} of {row[2]:%Y-%m-%d %H:%M:%S} UTC (run {row[1]})",
        row[1],
    )
