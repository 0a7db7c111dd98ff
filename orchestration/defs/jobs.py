"""The jobs, their schedules, and the run tags that queue writers of the warehouse.

- ``usage_analytics_job`` lands, builds, checks and publishes. A run without a partition lands
  every new file (``usage-analytics run``, the daily schedule); a run over a range of landing
  partitions (a backfill, the new-files sensor) lands the files of those arrival dates, then
  builds once.
- ``usage_analytics_rebuild_job`` builds, checks and publishes without landing (``forget``
  rebuilds from the raw layer it edited); the landing gate stays in it.
- ``freshness_job`` only evaluates the landing freshness check (reads the warehouse).

Every run of a job that opens the warehouse carries ``WRITER_TAGS`` (DuckDB has one writer, and a
reader can open the file only while nobody writes it, so the freshness job queues too);
``.dagster_home/dagster.yaml`` lets one run with that tag run at a time (the others wait in the
run queue) and retries runs whose worker crashed.
"""

import dagster as dg

from orchestration.defs.landing.assets import RAW_EVENTS
from orchestration.defs.quality.freshness import EVENTS_FRESHNESS_CHECK
from orchestration.defs.resources import Scheduling

MAIN_JOB_NAME = "usage_analytics_job"
REBUILD_JOB_NAME = "usage_analytics_rebuild_job"
FRESHNESS_JOB_NAME = "freshness_job"
WRITER_TAG_KEY = "usage_analytics/warehouse"
WRITER_TAGS = {WRITER_TAG_KEY: "writer"}

usage_analytics_job = dg.define_asset_job(
    name=MAIN_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Land new event files (all, or those of a range of arrival dates), then build, "
    "check and publish every dbt model.",
    tags=WRITER_TAGS,
)

freshness_job = dg.define_asset_job(
    name=FRESHNESS_JOB_NAME,
    selection=dg.AssetSelection.checks(dg.AssetCheckKey(RAW_EVENTS, EVENTS_FRESHNESS_CHECK)),
    description="Warn when no new events landed for USAGE_ANALYTICS_FRESHNESS_HOURS.",
    tags=WRITER_TAGS,
)

# Everything downstream of landing, without landing: `forget` rebuilds from the raw layer it
# edited. The landing gate stays in: a pending batch that failed its gate must not be published
# by a rebuild either.
usage_analytics_rebuild_job = dg.define_asset_job(
    name=REBUILD_JOB_NAME,
    selection=(
        dg.AssetSelection.all() - dg.AssetSelection.groups("landing")
        | dg.AssetSelection.checks_for_assets(RAW_EVENTS)
    ),
    description="Build, check and publish from the raw layer as it is (no landing).",
    tags=WRITER_TAGS,
)


def daily_schedule(scheduling: Scheduling) -> dg.ScheduleDefinition:
    """Runs the main job once a day (USAGE_ANALYTICS_SCHEDULE_CRON, default 03:00 UTC).

    The run has no partition: it lands every new file, whatever its arrival date.
    """
    return dg.ScheduleDefinition(
        name="usage_analytics_daily",
        job=usage_analytics_job,
        cron_schedule=scheduling.schedule_cron,
        execution_timezone=scheduling.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


def freshness_schedule(scheduling: Scheduling) -> dg.ScheduleDefinition:
    """Evaluates the freshness check every hour, so a stalled landing folder is noticed."""
    return dg.ScheduleDefinition(
        name="usage_analytics_freshness",
        job=freshness_job,
        cron_schedule="17 * * * *",
        execution_timezone=scheduling.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
