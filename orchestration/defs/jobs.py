"""The job that lands and builds everything, and its daily schedule."""

import dagster as dg

from orchestration.lib.settings import Settings

MAIN_JOB_NAME = "usage_analytics_job"

usage_analytics_job = dg.define_asset_job(
    name=MAIN_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Land new event files, then build and test every dbt model.",
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
