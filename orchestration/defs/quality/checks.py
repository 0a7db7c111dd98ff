"""Great Expectations suites (``expectations/``) run as Dagster asset checks.

One asset check per suite. Structural suites are blocking with ERROR severity: a failure stops
the assets downstream and fails the run. The landing volume suite is a warning. Each check's
metadata carries every expectation's observed value and threshold, which
``orchestration/lib/run.py`` appends to ``audit.gate_results``.
"""

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from expectations.runner import SuiteResult, read_frame, validate
from expectations.suites import landing, marts
from orchestration.lib.dbt_vars import effective_vars, timestamp_floor
from orchestration.lib.gates import EXPECTATIONS_METADATA_KEY, GX_SOURCE, expectation_metadata
from orchestration.lib.publish import CANDIDATE_SCHEMA, pending_load_ids
from orchestration.lib.settings import SEEDS_DIR, GateThresholds

RAW_EVENTS = dg.AssetKey(["raw", "events"])
LANDING_BATCH_CHECK = "gx_landing_batch"
LANDING_VOLUME_CHECK = "gx_landing_volume"
MAX_EVENT_AFTER_LANDING = dt.timedelta(days=1)


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            LANDING_BATCH_CHECK,
            asset=RAW_EVENTS,
            blocking=True,
            description="The run's batch: required fields, timestamps in range, known types, "
            "unknown-event and quarantined shares under their thresholds.",
        ),
        dg.AssetCheckSpec(
            LANDING_VOLUME_CHECK,
            asset=RAW_EVENTS,
            blocking=False,
            description="Warning: the batch's line count within a band of the trailing median.",
        ),
    ],
    can_subset=True,
)
def landing_gates(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
) -> Iterator[dg.AssetCheckResult]:
    """Validates the lines of every pending landing batch with the landing suites.

    Pending: landed after the latest publication of the marts (``audit.publications``), so a
    batch that failed its gate, or whose run was killed before the gate, is validated again
    until a publication includes it. The volume warning compares the run's own batch (the one
    the latest ``raw/events`` materialization reports) with the batches before it. Nothing
    pending passes both checks without validating anything.
    """
    thresholds = GateThresholds.from_env()
    load_id = _latest_load_id(context)
    # a rebuild without landing (`forget`) gives its vars to the dbt step only
    variables = effective_vars(
        _run_dbt_vars(context, "land_events") or _run_dbt_vars(context, "dbt_models")
    )
    selected = {key.name for key in context.selected_asset_check_keys}
    with _read_only(warehouse) as con:
        pending = pending_load_ids(con)
        (landed_at,) = con.execute(
            "select max(landed_at) from raw.load_manifest where list_contains($1, load_id)",
            [pending],
        ).fetchone()
        frame = None
        trailing: list[int] = []
        if landed_at is not None:
            known_events = [
                row[0]
                for row in con.execute(
                    "select event_name from read_csv($1, header = true)",
                    [str(SEEDS_DIR / "tracking_plan.csv")],
                ).fetchall()
            ]
            frame = read_frame(con, landing.BATCH_FRAME_SQL, [pending, known_events])
            trailing = [
                row[0]
                for row in con.execute(
                    landing.TRAILING_VOLUMES_SQL,
                    [load_id, thresholds.volume_trailing_batches],
                ).fetchall()
            ]
    empty = frame is None or frame.empty
    batches = ", ".join(pending) or "none"
    if LANDING_BATCH_CHECK in selected:
        if empty:
            yield _nothing_to_check(
                LANDING_BATCH_CHECK, RAW_EVENTS, f"no pending lines (batches: {batches})"
            )
        else:
            # a share of a handful of lines means nothing: small batches skip the share gates
            with_shares = len(frame) >= thresholds.share_min_lines
            batch_thresholds = landing.LandingBatchThresholds(
                timestamp_floor=timestamp_floor(variables),
                max_event_at=landed_at + MAX_EVENT_AFTER_LANDING,
                max_quarantined_share=thresholds.max_quarantined_share if with_shares else None,
                max_unknown_event_share=(
                    thresholds.max_unknown_event_share if with_shares else None
                ),
            )
            build = functools.partial(landing.landing_batch_expectations, batch_thresholds)
            yield _check_result(
                LANDING_BATCH_CHECK, RAW_EVENTS, validate("landing_batch", frame, build), batches
            )
    own = None if frame is None else frame[frame["load_id"] == load_id]
    empty = own is None or own.empty
    if LANDING_VOLUME_CHECK in selected:
        band = None if empty else landing.volume_band(trailing, thresholds.volume_band)
        if band is None:
            reason = f"batch {load_id} is empty" if empty else "no earlier batch to compare with"
            yield _nothing_to_check(
                LANDING_VOLUME_CHECK, RAW_EVENTS, reason, severity=dg.AssetCheckSeverity.WARN
            )
        else:
            build = functools.partial(landing.landing_volume_expectations, band)
            yield _check_result(
                LANDING_VOLUME_CHECK,
                RAW_EVENTS,
                validate("landing_volume", own, build),
                load_id,
                severity=dg.AssetCheckSeverity.WARN,
            )


# mart suite -> (asset, expectation function taking the run's dbt vars)
MART_SUITES: dict[str, tuple[dg.AssetKey, Callable[[dict[str, Any]], list[Any]]]] = {
    "funnel_conversion": (
        dg.AssetKey([CANDIDATE_SCHEMA, "agg_funnel_conversion"]),
        lambda variables: marts.funnel_conversion_expectations(),
    ),
    "sessions": (
        dg.AssetKey([CANDIDATE_SCHEMA, "fct_sessions"]),
        lambda variables: marts.sessions_expectations(float(variables["max_session_hours"])),
    ),
    "active_users": (
        dg.AssetKey([CANDIDATE_SCHEMA, "agg_active_users"]),
        lambda variables: marts.active_users_expectations(),
    ),
    "retention": (
        dg.AssetKey([CANDIDATE_SCHEMA, "agg_retention"]),
        lambda variables: marts.retention_expectations(),
    ),
    "feature_adoption": (
        dg.AssetKey([CANDIDATE_SCHEMA, "agg_feature_adoption"]),
        lambda variables: marts.feature_adoption_expectations(),
    ),
    "events_reconciliation": (
        dg.AssetKey([CANDIDATE_SCHEMA, "fct_events"]),
        lambda variables: marts.events_reconciliation_expectations(),
    ),
}


def mart_check_name(suite: str) -> str:
    """The asset check of a mart suite."""
    return f"gx_{suite}"


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            mart_check_name(suite),
            asset=asset,
            blocking=True,
            description=getattr(marts, f"{suite}_expectations").__doc__,
        )
        for suite, (asset, _) in MART_SUITES.items()
    ],
    can_subset=True,
)
def mart_gates(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
) -> Iterator[dg.AssetCheckResult]:
    """Validates the marts with the mart suites (``expectations/suites/marts.py``).

    All are structural and blocking: a failure stops whatever is downstream of the mart and
    fails the run.
    """
    variables = effective_vars(_run_dbt_vars(context, "dbt_models"))
    selected = {key.name for key in context.selected_asset_check_keys}
    for suite, (asset, build) in MART_SUITES.items():
        name = mart_check_name(suite)
        if name not in selected:
            continue
        with _read_only(warehouse) as con:
            frame = read_frame(con, marts.frame_sql(suite, CANDIDATE_SCHEMA))
        result = validate(suite, frame, functools.partial(build, variables))
        yield _check_result(name, asset, result)


def _check_result(
    name: str,
    asset: dg.AssetKey,
    result: SuiteResult,
    load_id: str | None = None,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetCheckResult:
    failed = "; ".join(
        f"{item.expectation}: observed {item.observed}, threshold {item.threshold}"
        for item in result.failed
    )
    metadata: dict[str, Any] = {
        "gate_source": GX_SOURCE,
        "suite": result.suite,
        "rows": result.row_count,
        EXPECTATIONS_METADATA_KEY: dg.MetadataValue.json(expectation_metadata(result.results)),
    }
    if load_id is not None:
        metadata["load_id"] = load_id
    if failed:
        metadata["failed"] = failed
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=asset,
        passed=result.passed,
        severity=severity,
        metadata=metadata,
        description=f"{len(result.results) - len(result.failed)} of {len(result.results)} "
        f"expectations passed on {result.row_count} rows" + (f": {failed}" if failed else ""),
    )


def _nothing_to_check(
    name: str,
    asset: dg.AssetKey,
    reason: str,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=asset,
        passed=True,
        severity=severity,
        metadata={"gate_source": GX_SOURCE, "observed": reason, "threshold": "-"},
        description=f"nothing to check: {reason}",
    )


def _latest_load_id(context: dg.AssetCheckExecutionContext) -> str | None:
    """The load_id of the latest raw/events materialization (this run's, in a full run)."""
    entry = context.instance.get_latest_materialization_event(RAW_EVENTS)
    if entry is None or entry.asset_materialization is None:
        return None
    value = entry.asset_materialization.metadata.get("load_id")
    return None if value is None else str(value.value)


def _run_dbt_vars(context: dg.AssetCheckExecutionContext, op_name: str) -> str:
    """The ``--vars`` the run gave an op (empty when run alone)."""
    ops = (context.run.run_config or {}).get("ops", {})
    return str(ops.get(op_name, {}).get("config", {}).get("dbt_vars", "") or "")


def _read_only(warehouse: DuckDBResource) -> duckdb.DuckDBPyConnection:
    """A read-only connection: checks only read, and may run beside each other."""
    return duckdb.connect(str(Path(warehouse.database)), read_only=True)
