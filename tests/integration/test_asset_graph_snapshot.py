"""A snapshot of the whole asset graph, as dagster-open-platform keeps one.

Every asset (key, group, owners, kinds, partitioning, upstream keys), every asset check
(blocking or not), job, schedule and sensor is written to
``__snapshots__/test_asset_graph_snapshot.ambr``.
An unintended change to the graph (a model renamed, a check lost, a dependency cut) fails this
test and shows in review as a diff of that file. After an intended change, regenerate it:
``.venv/bin/python -m pytest tests/integration/test_asset_graph_snapshot.py --snapshot-update``.
"""

from typing import Any

import dagster as dg
import pytest
from syrupy.assertion import SnapshotAssertion

from orchestration.dbt_project import prepare_manifest


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    prepare_manifest()
    from orchestration.definitions import defs

    return defs()


def graph_outline(defs: dg.Definitions) -> dict[str, Any]:
    """The graph as plain, sorted data: what a reviewer should see change."""
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda key: key.to_user_string()):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "owners": sorted(node.owners),
            "kinds": sorted(node.kinds),
            "partitioned": type(node.partitions_def).__name__ if node.partitions_def else None,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
        }
    checks = {
        f"{key.asset_key.to_user_string()}:{key.name}": (
            "blocking" if graph.get_check_spec(key).blocking else "non-blocking"
        )
        for key in sorted(graph.asset_check_keys, key=lambda key: (key.asset_key, key.name))
    }
    repository = defs.get_repository_def()
    return {
        "assets": assets,
        "checks": checks,
        "jobs": sorted(job.name for job in defs.resolve_all_job_defs()),
        "schedules": {
            schedule.name: schedule.cron_schedule for schedule in repository.schedule_defs
        },
        "sensors": sorted(sensor.name for sensor in repository.sensor_defs),
    }


def test_the_asset_graph_matches_its_snapshot(
    defs: dg.Definitions, snapshot: SnapshotAssertion
) -> None:
    assert graph_outline(defs) == snapshot
