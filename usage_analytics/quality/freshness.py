"""Freshness of the landing: when did events last land?

A warning, never a gate: a quiet weekend is not bad data. ``usage-analytics run`` and every
Dagster run of the main job evaluate it after landing; the hourly schedule
``usage_analytics_freshness`` evaluates it when nothing runs.
"""

import datetime as dt
from dataclasses import dataclass

import duckdb

from usage_analytics.warehouse.schema import has_relation


@dataclass(frozen=True)
class Freshness:
    """The latest landing that brought events, against the allowed age."""

    last_landed_at: dt.datetime | None  # naive UTC, as stored in raw.load_manifest
    max_age: dt.timedelta
    now: dt.datetime  # naive UTC

    @property
    def age(self) -> dt.timedelta | None:
        """How long ago events last landed (None: never)."""
        return None if self.last_landed_at is None else self.now - self.last_landed_at

    @property
    def is_fresh(self) -> bool:
        """Events landed within ``max_age``."""
        return self.age is not None and self.age <= self.max_age

    def describe(self) -> str:
        """One sentence for the check's description."""
        hours = self.max_age.total_seconds() / 3600
        if self.last_landed_at is None:
            return "no event has landed yet"
        age_hours = self.age.total_seconds() / 3600 if self.age is not None else 0.0
        verdict = "within" if self.is_fresh else "more than"
        return (
            f"events last landed at {self.last_landed_at:%Y-%m-%d %H:%M:%S} UTC,"
            f" {age_hours:.1f} h ago: {verdict} {hours:g} h (USAGE_ANALYTICS_FRESHNESS_HOURS)"
        )


def last_events_landed_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The landing time of the latest file that brought at least one valid event."""
    if not has_relation(con, "raw.load_manifest"):
        return None
    (landed_at,) = con.execute(
        "select max(landed_at) from raw.load_manifest where count_landed > 0"
    ).fetchone()
    return landed_at


def freshness(
    con: duckdb.DuckDBPyConnection, max_age_hours: float, now: dt.datetime | None = None
) -> Freshness:
    """Reads the warehouse behind ``con`` and judges its landing freshness."""
    current = now or dt.datetime.now(dt.UTC)
    if current.tzinfo is not None:
        current = current.astimezone(dt.UTC).replace(tzinfo=None)
    return Freshness(
        last_landed_at=last_events_landed_at(con),
        max_age=dt.timedelta(hours=max_age_hours),
        now=current,
    )
