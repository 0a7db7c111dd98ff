"""Freshness of the landing as an asset check: a warning when no event landed for too long.

``events_freshness`` on ``raw/events`` reads ``max(landed_at)`` of the manifest rows that
brought events, so it judges the warehouse itself (whoever landed into it: the CLI, a schedule,
a sensor or a backfill). It runs in every run of the main job and alone every hour from the
schedule ``usage_analytics_freshness``, so a landing folder that stopped receiving files is
noticed even when no run lands anything. A warning never blocks.
"""

import dagster as dg

from orchestration.defs.landing.assets import RAW_EVENTS
from orchestration.defs.resources import QualityGates, Warehouse
from usage_analytics.quality.freshness import freshness

EVENTS_FRESHNESS_CHECK = "events_freshness"
FRESHNESS_SOURCE = "freshness"


@dg.asset_check(
    asset=RAW_EVENTS,
    name=EVENTS_FRESHNESS_CHECK,
    description="Warning: events landed within the last USAGE_ANALYTICS_FRESHNESS_HOURS "
    "(default 26) hours.",
)
def events_freshness(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse, quality_gates: QualityGates
) -> dg.AssetCheckResult:
    """Warns when the latest landing that brought events is older than the allowed age."""
    hours = quality_gates.freshness_hours
    if not warehouse.path.exists():
        result = None
    else:
        with warehouse.read_only() as con:
            result = freshness(con, hours)
    passed = result is not None and result.is_fresh
    description = "no warehouse yet" if result is None else result.describe()
    context.log.info(f"{EVENTS_FRESHNESS_CHECK}: {description}")
    last = None if result is None else result.last_landed_at
    observed = "never" if last is None else f"last events landed {last:%Y-%m-%d %H:%M} UTC"
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "gate_source": FRESHNESS_SOURCE,
            "observed": observed,
            "threshold": f"within {hours:g} h",
            "freshness_hours": hours,
        },
    )
