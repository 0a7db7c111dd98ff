"""Daily landing partitions, by arrival date (``usage_analytics/landing/arrival.py``).

Only the landing asset is partitioned. The dbt models and the publish step stay unpartitioned
(they rebuild from the whole raw layer) and carry a single-run backfill policy, so one run can
land a range of arrival dates and then build, check and publish once.
"""

import datetime as dt

import dagster as dg

from usage_analytics.landing.arrival import PartitionWindow

# The run tags Dagster uses for a run over a partition range (a single-run backfill).
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def landing_partitions(start: dt.date) -> dg.DailyPartitionsDefinition:
    """One partition per UTC day from ``start`` (USAGE_ANALYTICS_PARTITIONS_START) through
    today."""
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), timezone="UTC", end_offset=1)


def partition_window(start: dt.date, today: dt.date | None = None) -> PartitionWindow:
    """The first and last (today's) partition dates."""
    return PartitionWindow(first=start, last=today or dt.datetime.now(dt.UTC).date())


def partition_range_tags(first: dt.date, last: dt.date) -> dict[str, str]:
    """Run tags that make one run cover the partitions ``first`` through ``last``."""
    return {
        PARTITION_RANGE_START_TAG: first.isoformat(),
        PARTITION_RANGE_END_TAG: last.isoformat(),
    }
