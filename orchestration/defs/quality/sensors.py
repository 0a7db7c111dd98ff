"""Gate results of runs started outside ``usage-analytics run``: the schedule, sensors, the UI.

``usage-analytics run`` records its own gates when its in-process run ends. A run launched by
the Dagster daemon or webserver has no such caller, so these two run-status sensors do it: when
a run of this code location succeeds or fails, its asset check results are appended to
``audit.gate_results`` and the quality page is rewritten. They wait for the warehouse lock, so
they never write while another run holds the warehouse.
"""

import dagster as dg

from orchestration.defs.resources import Warehouse
from usage_analytics.quality.gates import gate_rows_of_run, record_run_gates
from usage_analytics.warehouse.lock import exclusive_warehouse

LOCK_TIMEOUT_SECONDS = 60.0  # a busy warehouse fails the tick; the sensor retries the run


def record_gates_of_finished_run(
    context: dg.RunStatusSensorContext, warehouse: Warehouse
) -> dg.SkipReason:
    """Appends the finished run's gate rows to audit.gate_results."""
    run_id = context.dagster_run.run_id
    rows = gate_rows_of_run(context.instance, run_id)
    if not rows:
        return dg.SkipReason(f"run {run_id} evaluated no checks")
    with exclusive_warehouse(warehouse.path, timeout_seconds=LOCK_TIMEOUT_SECONDS):
        page = record_run_gates(warehouse.path, run_id, rows)
    return dg.SkipReason(f"recorded {len(rows)} gate rows of run {run_id} ({page})")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="gate_results_of_succeeded_runs",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Appends a succeeded run's check results to audit.gate_results.",
)
def gate_results_of_succeeded_runs(
    context: dg.RunStatusSensorContext, warehouse: Warehouse
) -> dg.SkipReason:
    """See the module docstring."""
    return record_gates_of_finished_run(context, warehouse)


@dg.run_failure_sensor(
    name="gate_results_of_failed_runs",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Appends a failed run's check results (the failed gates) to audit.gate_results.",
)
def gate_results_of_failed_runs(
    context: dg.RunFailureSensorContext, warehouse: Warehouse
) -> dg.SkipReason:
    """See the module docstring."""
    return record_gates_of_finished_run(context, warehouse)
