"""The code location: ``dagster dev -m orchestration.definitions``."""

import dagster as dg

from orchestration.defs.dbt.assets import dbt_models
from orchestration.defs.jobs import (
    daily_schedule,
    freshness_job,
    freshness_schedule,
    usage_analytics_job,
    usage_analytics_rebuild_job,
)
from orchestration.defs.landing.assets import land_events
from orchestration.defs.landing.sensors import new_landing_files_sensor
from orchestration.defs.publish.assets import publish_marts_asset
from orchestration.defs.quality.checks import landing_gates, mart_gates
from orchestration.defs.quality.freshness import events_freshness
from orchestration.defs.quality.sensors import (
    gate_results_of_failed_runs,
    gate_results_of_succeeded_runs,
)
from orchestration.defs.resources import build_resources
from orchestration.lib.settings import Settings

settings = Settings.from_env()

defs = dg.Definitions(
    assets=[land_events, dbt_models, publish_marts_asset],
    asset_checks=[landing_gates, mart_gates, events_freshness],
    jobs=[usage_analytics_job, usage_analytics_rebuild_job, freshness_job],
    schedules=[daily_schedule(settings), freshness_schedule(settings)],
    sensors=[
        new_landing_files_sensor(settings),
        gate_results_of_succeeded_runs,
        gate_results_of_failed_runs,
    ],
    resources=build_resources(settings),
    # one process per run: the warehouse resource (and its lock) lives as long as the run, and
    # the steps form one chain, so separate step processes would only add start-up time
    executor=dg.in_process_executor,
)
