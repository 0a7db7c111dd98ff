"""The jobs (land and build; rebuild without landing) and the daily schedule."""

import dagster as dg

from orchestration.lib.settings import Settings

MAIN_JOB_NAME = "usage_analytics_job"
REBUILD_JOB_NAME = "usage_analytics_rebuild_job"
RAW_EVENTS = dg.AssetKey(["raw", "events"])

usage_analytics_job = dg.define_asset_job(
    name=MAIN_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Land new event files, then build and test every dbt model.",
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
)


def daily_schedule(settings: Settings) -> dg.ScheduleDefinition:
    """Runs the main job once a day (USAGE_ANALYTICS_SCHEDULE_CRON, default 03:00 UTC)."""
    return dg.ScheduleDefinition(
        name="usage_analytics_daily",
        job=usage_analytics_job,
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
