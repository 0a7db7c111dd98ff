"""Freshness of the landing as an asset check: a warning when no event landed for too long.

``events_freshness`` on ``raw/events`` reads ``max(landed_at)`` of the manifest rows that
brought events, so it judges the warehouse itself (whoever landed into it: the CLI, a schedule,
a sensor or a backfill). It runs in every run of the main job, after landing and before dbt
(blocking, but a warning never blocks), and alone every hour from the schedule
``usage_analytics_freshness``, so a landing folder that stopped receiving files is noticed
even when no run lands anything.
"""

import time
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from orchestration.lib.freshness import freshness
from orchestration.lib.settings import Settings

RAW_EVENTS = dg.AssetKey(["raw", "events"])
EVENTS_FRESHNESS_CHECK = "events_freshness"
FRESHNESS_SOURCE = "freshness"
CONNECT_ATTEMPTS = 60  # a writer holding the file for longer fails the check's step
CONNECT_WAIT_SECONDS = 5.0


@dg.asset_check(
    asset=RAW_EVENTS,
    name=EVENTS_FRESHNESS_CHECK,
    # a WARN result never blocks; blocking only orders the check before dbt, which writes
    blocking=True,
    description="Warning: events landed within the last USAGE_ANALYTICS_FRESHNESS_HOURS "
    "(default 26) hours.",
)
def events_freshness(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
) -> dg.AssetCheckResult:
    """Warns when the latest landing that brought events is older than the allowed age."""
    hours = Settings.from_env().freshness_hours
    path = Path(warehouse.database)
    if not path.exists():
        result = None
    else:
        con = _read_only(path)
        try:
            result = freshness(con, hours)
        finally:
            con.close()
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


def _read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection, waiting while another process writes the file."""
    for attempt in range(CONNECT_ATTEMPTS):
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException:
            if attempt == CONNECT_ATTEMPTS - 1:
                raise
            time.sleep(CONNECT_WAIT_SECONDS)
    raise AssertionError("unreachable")
