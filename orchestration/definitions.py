"""The code location: ``dagster dev -m orchestration.definitions``.

Importing this module does no work: Dagster calls ``defs`` when it loads the code location
(``@dg.definitions``), and only then is the dbt manifest read and are the settings resolved.
"""

import dagster as dg

from orchestration.dbt_project import dbt_project, prepare_if_dev
from orchestration.defs.dbt.assets import build_dbt_models
from orchestration.defs.jobs import (
    daily_schedule,
    freshness_job,
    freshness_schedule,
    usage_analytics_job,
    usage_analytics_rebuild_job,
)
from orchestration.defs.landing.assets import build_land_events
from orchestration.defs.landing.partitions import landing_partitions
from orchestration.defs.landing.sensors import new_landing_files_sensor
from orchestration.defs.publish.assets import build_publish_marts
from orchestration.defs.quality.checks import landing_gates
from orchestration.defs.quality.freshness import events_freshness
from orchestration.defs.quality.sensors import (
    gate_results_of_failed_runs,
    gate_results_of_succeeded_runs,
)
from orchestration.defs.report.assets import build_report
from orchestration.defs.resources import Scheduling, build_resources, from_env


@dg.definitions
def defs() -> dg.Definitions:
    """Every asset, check, job, schedule, sensor and resource of the warehouse."""
    project = dbt_project()
    prepare_if_dev()  # `dagster dev` parses the project; commands call prepare_manifest
    scheduling = from_env("scheduling", Scheduling)
    dbt_models = build_dbt_models(project)
    published = build_publish_marts(dbt_models)
    return dg.Definitions(
        assets=[
            build_land_events(landing_partitions(scheduling.partitions_start)),
            dbt_models,
            published,
            build_report(published),
        ],
        asset_checks=[landing_gates, events_freshness],
        jobs=[usage_analytics_job, usage_analytics_rebuild_job, freshness_job],
        schedules=[daily_schedule(scheduling), freshness_schedule(scheduling)],
        sensors=[
            new_landing_files_sensor(scheduling),
            gate_results_of_succeeded_runs,
            gate_results_of_failed_runs,
        ],
        resources=build_resources(),
        # one process per run: the warehouse resource (and its lock) lives as long as the run,
        # and the steps form one chain, so separate step processes would only add start-up time
        executor=dg.in_process_executor,
    )
