"""The Dagster code location loads with the expected assets, checks, job and schedule."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.dbt_project import prepare_manifest
from usage_analytics.paths import DBT_PROJECT_DIR

MART_MODELS = sorted((DBT_PROJECT_DIR / "models" / "marts").glob("*.sql"))


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    prepare_manifest()
    from orchestration.definitions import defs

    loaded = defs()
    dg.Definitions.validate_loadable(loaded)  # raises on any invalid definition
    return loaded


IMPORT_WATCH = """
import sys

touched = []


def watch(event, args):
    if event == "open" and isinstance(args[0], str):
        writes = args[1] is not None and any(flag in args[1] for flag in "wax+")
        if writes or args[0].endswith("manifest.json"):
            touched.append(args[0])


sys.addaudithook(watch)
import orchestration.definitions  # noqa: E402

print("\\n".join(touched))
"""


def test_importing_the_code_location_does_no_work(tmp_path: Path) -> None:
    """No file written, no manifest read: the definitions are built when Dagster loads them."""
    prepare_manifest()
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_WATCH],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "", f"importing touched: {result.stdout}"


def test_the_watch_sees_a_write(tmp_path: Path) -> None:
    """The import test above would see a file written (it is not vacuous)."""
    script = IMPORT_WATCH.replace(
        "import orchestration.definitions  # noqa: E402", "open('written.txt', 'w').close()"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert "written.txt" in result.stdout


def test_asset_graph_runs_from_landing_to_marts(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for expected in (
        "raw/events",
        "raw/load_manifest",
        "audit/quarantine",
        "raw/identities",
        "staging/stg_events__events",
        "intermediate/int_events_sessionized",
        "marts/fct_events",
        "marts/fct_sessions",
        "marts/dim_users",
        "audit/load_reconciliation",
        "seeds/tracking_plan",
    ):
        assert expected in keys, expected
    # the dbt source raw.events is the landing asset: marts are downstream of landing
    upstream = graph.get(dg.AssetKey(["marts", "fct_events"]))
    seen, frontier = set(), set(upstream.parent_keys)
    while frontier:
        key = frontier.pop()
        seen.add(key)
        frontier |= set(graph.get(key).parent_keys) - seen
    assert dg.AssetKey(["raw", "events"]) in seen


def test_dbt_tests_and_landing_reconciliation_are_asset_checks(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert ("audit/load_reconciliation", "assert_every_landed_file_reconciles") in checks
    # the mart rules are dbt tests, checked once (no second copy in Great Expectations)
    for check in (
        ("marts_candidate/fct_sessions", "assert_fct_sessions_durations_in_range"),
        ("marts_candidate/agg_retention", "assert_agg_retention_rates_between_0_and_1"),
        ("marts_candidate/fct_events", "assert_fct_events_reconciles_with_raw_events"),
        (
            "marts_candidate/agg_funnel_conversion",
            "assert_agg_funnel_conversion_counts_never_increase",
        ),
        ("marts_candidate/agg_active_users", "assert_agg_active_users_dau_within_wau_within_mau"),
    ):
        assert check in checks, check
    assert not [name for _, name in checks if name.startswith("gx_") and "landing" not in name]
    # dbt tests check the candidates, before anything is published
    assert ("marts_candidate/fct_events", "unique_fct_events_event_id") in checks
    assert ("marts_candidate/fct_sessions", "unique_fct_sessions_session_id") in checks


def test_great_expectations_suites_are_asset_checks(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    specs = {
        (key.asset_key.to_user_string(), key.name): graph.get_check_spec(key)
        for key in graph.asset_check_keys
    }
    blocking = {("raw/events", "gx_landing_batch")}
    for key in blocking:
        assert key in specs, key
        assert specs[key].blocking, key
    assert not specs[("raw/events", "gx_landing_volume")].blocking
    # the main job runs them
    job_checks = {
        (key.asset_key.to_user_string(), key.name)
        for key in defs.resolve_job_def(
            "usage_analytics_job"
        ).asset_layer.asset_graph.asset_check_keys
    }
    assert blocking | {("raw/events", "gx_landing_volume")} <= job_checks


def test_every_published_mart_is_downstream_of_its_checked_candidate(
    defs: dg.Definitions,
) -> None:
    graph = defs.resolve_asset_graph()
    candidates = {
        key.path[1] for key in graph.get_all_asset_keys() if key.path[0] == "marts_candidate"
    }
    published = {key.path[1] for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert len(candidates) == len(MART_MODELS) and published == candidates
    for name in published:
        node = graph.get(dg.AssetKey(["marts", name]))
        assert dg.AssetKey(["marts_candidate", name]) in node.parent_keys, name
        assert not graph.get(dg.AssetKey(["marts", name])).check_keys  # checks are upstream
    # every published mart is materialized by one step: one transaction publishes them all
    nodes = {graph.get(dg.AssetKey(["marts", name])).assets_def for name in published}
    assert len(nodes) == 1


def test_job_and_daily_schedule(defs: dg.Definitions) -> None:
    job = defs.resolve_job_def("usage_analytics_job")
    assert job is not None
    schedule = defs.resolve_schedule_def("usage_analytics_daily")
    assert schedule.cron_schedule == "0 3 * * *"
    assert schedule.job_name == "usage_analytics_job"
    # `forget` rebuilds without landing, but a pending batch still passes the landing gate
    rebuild = defs.resolve_job_def("usage_analytics_rebuild_job").asset_layer.asset_graph
    assert {key.name for key in rebuild.asset_check_keys if key.asset_key.path[0] == "raw"} == {
        "gx_landing_batch",
        "gx_landing_volume",
        "events_freshness",
    }
    assert dg.AssetKey(["marts", "fct_events"]) in rebuild.get_all_asset_keys()
    # runs the schedule or the UI start record their gates through run-status sensors
    for name in ("gate_results_of_succeeded_runs", "gate_results_of_failed_runs"):
        assert defs.resolve_sensor_def(name) is not None


def test_daily_operation_definitions(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    landing = graph.get(dg.AssetKey(["raw", "events"]))
    partitions = landing.partitions_def
    assert isinstance(partitions, dg.DailyPartitionsDefinition)
    assert partitions.start.date().isoformat() == "2026-01-01"
    assert partitions.end_offset == 1  # today's partition exists
    # dbt and publish stay unpartitioned, but one run over a partition range includes them
    for key in (["marts_candidate", "fct_events"], ["marts", "fct_events"]):
        node = graph.get(dg.AssetKey(key))
        assert node.partitions_def is None, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    assert landing.backfill_policy == dg.BackfillPolicy.single_run()
    # every job that opens the warehouse is queued behind the others (.dagster_home/dagster.yaml)
    for name in ("usage_analytics_job", "freshness_job"):
        assert defs.resolve_job_def(name).tags["usage_analytics/warehouse"] == "writer", name
    sensor = defs.resolve_sensor_def("new_landing_files")
    assert sensor.job_name == "usage_analytics_job"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    freshness = defs.resolve_schedule_def("usage_analytics_freshness")
    assert freshness.job_name == "freshness_job"
    specs = {
        (key.asset_key.to_user_string(), key.name): graph.get_check_spec(key)
        for key in graph.asset_check_keys
    }
    assert ("raw/events", "events_freshness") in specs
    main_checks = defs.resolve_job_def("usage_analytics_job").asset_layer.asset_graph
    assert dg.AssetCheckKey(dg.AssetKey(["raw", "events"]), "events_freshness") in (
        main_checks.asset_check_keys
    )


def test_every_run_holds_the_warehouse_for_its_whole_length(defs: dg.Definitions) -> None:
    # one process per run, so the warehouse resource (and its file lock) lives as long as it
    for name in ("usage_analytics_job", "usage_analytics_rebuild_job", "freshness_job"):
        assert defs.resolve_job_def(name).executor_def.name == "in_process", name
    graph = defs.resolve_asset_graph()
    # each job's plan includes one of these, so each run sets the resource up
    for key in (["raw", "events"], ["marts_candidate", "fct_events"], ["marts", "fct_events"]):
        assert "warehouse" in graph.get(dg.AssetKey(key)).assets_def.required_resource_keys, key
    freshness = defs.resolve_job_def("freshness_job")
    assert "warehouse" in freshness.get_required_resource_defs(), "freshness job"


def test_groups_follow_the_layers(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    groups = {
        graph.get(key).group_name
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }
    assert {
        "landing",
        "staging",
        "intermediate",
        "marts_candidate",
        "marts",
        "audit",
        "seeds",
    } <= groups
