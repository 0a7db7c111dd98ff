"""Great Expectations on landed batches, as Dagster asset checks.

GX checks what dbt tests express badly: the distribution and volume of each landed batch, and
the shares of quarantined and unknown events (docs/quality.md says which tool checks what).
The batch check is blocking with ERROR severity: a failure stops every asset downstream of
``raw/events`` and fails the run. The volume check is a warning. Each check's metadata carries
every expectation's observed value and threshold, which ``audit.gate_results`` keeps.
"""

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dagster as dg
import duckdb

from expectations.runner import SuiteResult, validate_in_duckdb
from expectations.suites import landing
from orchestration.defs.landing.assets import RAW_EVENTS
from orchestration.defs.resources import DbtBuild, Landing, QualityGates, Warehouse
from usage_analytics.dbt_vars import timestamp_floor
from usage_analytics.paths import SEEDS_DIR
from usage_analytics.publishing.marts import pending_load_ids
from usage_analytics.quality.gates import (
    EXPECTATIONS_METADATA_KEY,
    GX_SOURCE,
    expectation_metadata,
)

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
            "unknown-event, quarantined and duplicate-event-id shares under their thresholds.",
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
    context: dg.AssetCheckExecutionContext,
    warehouse: Warehouse,
    quality_gates: QualityGates,
    dbt_build: DbtBuild,
    landing: Landing,
) -> Iterator[dg.AssetCheckResult]:
    """Validates the lines of every pending landing batch with the landing suites.

    Pending: landed after the latest publication of the marts (``audit.publications``), so a
    batch that failed its gate, or whose run was killed before the gate, is validated again
    until a publication includes it. The volume warning compares the run's own batch (the one
    the latest ``raw/events`` materialization reports) with the batches before it. Nothing
    pending passes both checks without validating anything.

    Landing quarantines every line that would fail a line's expectation (the clock skew it
    allows ``received_at`` is allowed here too), so only a batch's shares, a threshold
    tightened since it landed, or lines landed by an older version can fail it again and
    again: docs/quality.md#pending-batches says what an operator does then.

    The lines are validated where they are, in DuckDB (``expectations.runner``): GX sees only
    the aggregates, and a sample of the rows a failed expectation found unexpected.
    """
    load_id = _latest_load_id(context)
    selected = {key.name for key in context.selected_asset_check_keys}
    results = []
    with warehouse.read_only() as con:
        pending = read_pending(con, load_id, quality_gates.volume_trailing_batches)
        if LANDING_BATCH_CHECK in selected:
            floor = timestamp_floor(dbt_build.effective_vars())
            results.append(_batch_check(con, pending, quality_gates, floor, landing.max_clock_skew))
        if LANDING_VOLUME_CHECK in selected:
            results.append(_volume_check(con, pending, load_id, quality_gates.volume_band))
    yield from results


@dataclass(frozen=True)
class PendingLines:
    """The pending batches, what their lines' query binds, how many lines they hold, and the
    line counts of the batches before the run's."""

    load_ids: list[str]
    landed_at: dt.datetime | None  # the latest landing among them
    known_events: list[str]  # the tracking plan's event names
    count_lines: int  # lines of the pending batches (landing.BATCH_LINES_SQL)
    count_run_lines: int  # of them, the lines of the run's own batch
    trailing_volumes: list[int]

    @property
    def params(self) -> list[object]:
        """The parameters of ``landing.BATCH_FRAME_SQL``."""
        return [self.load_ids, self.known_events]


def read_pending(
    con: duckdb.DuckDBPyConnection, load_id: str | None, trailing_batches: int
) -> PendingLines:
    """Reads what the landing gates validate (nothing when no batch is pending)."""
    pending = pending_load_ids(con)
    (landed_at,) = con.execute(
        "select max(landed_at) from raw.load_manifest where list_contains($1, load_id)",
        [pending],
    ).fetchone()
    if landed_at is None:
        return PendingLines(pending, None, [], 0, 0, [])
    known_events = [
        row[0]
        for row in con.execute(
            "select event_name from read_csv($1, header = true)",
            [str(SEEDS_DIR / "tracking_plan.csv")],
        ).fetchall()
    ]
    trailing = con.execute(landing.TRAILING_VOLUMES_SQL, [load_id, trailing_batches]).fetchall()
    count_lines, count_run_lines = con.execute(
        f"select count(*), count(*) filter (where load_id = $2) from ({landing.BATCH_LINES_SQL})",
        [pending, load_id],
    ).fetchone()
    return PendingLines(
        load_ids=pending,
        landed_at=landed_at,
        known_events=known_events,
        count_lines=count_lines,
        count_run_lines=count_run_lines,
        trailing_volumes=[row[0] for row in trailing],
    )


def _batch_check(
    con: duckdb.DuckDBPyConnection,
    pending: PendingLines,
    gates: QualityGates,
    floor: dt.datetime,
    clock_skew: dt.timedelta,
) -> dg.AssetCheckResult:
    """The blocking check of every pending line."""
    batches = ", ".join(pending.load_ids) or "none"
    if not pending.count_lines or pending.landed_at is None:
        return _nothing_to_check(
            LANDING_BATCH_CHECK, RAW_EVENTS, f"no pending lines (batches: {batches})"
        )
    # a share of a handful of lines means nothing: small batches skip the share gates
    with_shares = pending.count_lines >= gates.share_min_lines
    thresholds = landing.LandingBatchThresholds(
        timestamp_floor=floor,
        max_event_at=pending.landed_at + MAX_EVENT_AFTER_LANDING + clock_skew,
        max_quarantined_share=gates.max_quarantined_share if with_shares else None,
        max_unknown_event_share=gates.max_unknown_event_share if with_shares else None,
        max_duplicate_rate=gates.max_duplicate_rate if with_shares else None,
    )
    build = functools.partial(landing.landing_batch_expectations, thresholds)
    result = validate_in_duckdb(
        "landing_batch", con, landing.BATCH_FRAME_SQL, pending.params, build
    )
    return _check_result(LANDING_BATCH_CHECK, RAW_EVENTS, result, batches)


def _volume_check(
    con: duckdb.DuckDBPyConnection,
    pending: PendingLines,
    load_id: str | None,
    band_width: float,
) -> dg.AssetCheckResult:
    """The warning on the run's own batch: its line count against the trailing median."""
    empty = not pending.count_run_lines
    band = None if empty else landing.volume_band(pending.trailing_volumes, band_width)
    if band is None:
        reason = f"batch {load_id} is empty" if empty else "no earlier batch to compare with"
        return _nothing_to_check(
            LANDING_VOLUME_CHECK, RAW_EVENTS, reason, severity=dg.AssetCheckSeverity.WARN
        )
    build = functools.partial(landing.landing_volume_expectations, band)
    result = validate_in_duckdb("landing_volume", con, landing.BATCH_LINES_SQL, [[load_id]], build)
    return _check_result(
        LANDING_VOLUME_CHECK, RAW_EVENTS, result, load_id, severity=dg.AssetCheckSeverity.WARN
    )


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
