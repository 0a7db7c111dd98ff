"""The semantic layer gives the marts' numbers: MetricFlow on the published bundled sample.

The dbt project is parsed under the `serving` target (the serving copy, read-only; the marts
resolve to schema `marts`), as `make semantic-layer` does, in a copy of the project so that the
parse the runs use stays as it is. `mf validate-configs` and the acceptance query
(`mf query --metrics active_users --group-by metric_time__day`) run as the real command; the
other metrics go through MetricFlow's Python engine in this process (its start-up costs
seconds per command). Every row is compared with the published marts: counts exactly, rates
within 1e-9. The same build shows that a BI tool's schema browser gets the marts' descriptions.
"""

import csv
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import REPO_ROOT
from usage_analytics.publishing.serving import default_serving_path

pytestmark = pytest.mark.integration

MF = str(Path(sys.executable).with_name("mf"))
DBT = str(Path(sys.executable).with_name("dbt"))


def serving_rows(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the serving copy, as a BI tool reads it."""
    con = duckdb.connect(str(default_serving_path(warehouse)), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def same(actual: object, expected: object) -> bool:
    """Equal; floats within 1e-9; None only for None."""
    if isinstance(expected, float) or isinstance(actual, float):
        return (
            actual is not None
            and expected is not None
            and math.isclose(float(actual), float(expected), rel_tol=0, abs_tol=1e-9)
        )
    return actual == expected


def assert_rows_equal(
    actual: dict[tuple[Any, ...], Sequence[object]],
    expected: dict[tuple[Any, ...], Sequence[object]],
) -> None:
    """Same keys, and per key the same values (see ``same``)."""
    assert sorted(actual) == sorted(expected)
    differing = {
        key: (actual[key], expected[key])
        for key in expected
        if len(actual[key]) != len(expected[key]) or not all(map(same, actual[key], expected[key]))
    }
    assert differing == {}


@pytest.fixture(scope="module")
def serving_project(
    published_sample: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """A copy of the dbt project parsed under the `serving` target, and the environment that
    points dbt and mf at the sample's serving copy."""
    root = tmp_path_factory.mktemp("semantic")
    ignore = shutil.ignore_patterns("target", "logs")
    shutil.copytree(REPO_ROOT / "dbt_project", root / "dbt_project", ignore=ignore)
    shutil.copytree(REPO_ROOT / "seeds", root / "seeds")
    project = root / "dbt_project"
    env = {
        **os.environ,
        "USAGE_ANALYTICS_DBT_TARGET": "serving",
        "USAGE_ANALYTICS_WAREHOUSE": str(published_sample),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("USAGE_ANALYTICS_SERVING_WAREHOUSE", None)  # beside the sample's warehouse
    parse = subprocess.run(
        [DBT, "parse", "--quiet"], cwd=project, env=env, capture_output=True, text=True
    )
    assert parse.returncode == 0, parse.stdout + parse.stderr
    return project, env


def test_the_serving_copy_describes_every_mart_and_column(
    serving_project: tuple[Path, dict[str, str]], published_sample: Path
) -> None:
    """The comments a BI tool reads in the serving copy are the descriptions in the marts' yml
    (doc blocks rendered), as the serving target's parse has them."""
    project, _ = serving_project
    manifest = json.loads((project / "target" / "manifest.json").read_text(encoding="utf-8"))
    marts = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    ]
    expected = {(node["name"], None): node["description"] for node in marts}
    expected |= {
        (node["name"], column["name"]): column["description"]
        for node in marts
        for column in node["columns"].values()
    }
    tables = serving_rows(
        published_sample,
        "select table_name, null, comment from duckdb_tables() where schema_name = 'marts'",
    )
    columns = serving_rows(
        published_sample,
        "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'",
    )
    described = {(table, column): comment for table, column, comment in tables + columns}
    assert {key: described.get(key) for key in expected} == expected
    assert described["fct_sessions", "is_bounce"] == "The session has exactly one event."
    assert described["fct_sessions", "session_id"].startswith("Stable id of a session")


def mf(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MF, *args], cwd=project, env=env, capture_output=True, text=True)


def test_the_metrics_read_the_published_marts(serving_project: tuple[Path, dict[str, str]]) -> None:
    project, _ = serving_project
    manifest = (project / "target" / "semantic_manifest.json").read_text(encoding="utf-8")
    assert '"schema_name": "marts"' in manifest
    assert "marts_candidate" not in manifest


def test_mf_validate_configs_succeeds(serving_project: tuple[Path, dict[str, str]]) -> None:
    validated = mf(*serving_project, "validate-configs")
    output = validated.stdout + validated.stderr
    assert validated.returncode == 0, output
    assert "Successfully validated metrics against data warehouse" in output


def test_mf_query_active_users_per_day_equals_agg_active_users(
    serving_project: tuple[Path, dict[str, str]], published_sample: Path, tmp_path: Path
) -> None:
    """The acceptance query, as an analyst types it."""
    out = tmp_path / "active_users.csv"
    args = ["query", "--metrics", "active_users", "--group-by", "metric_time__day"]
    queried = mf(*serving_project, *args, "--csv", str(out))
    assert queried.returncode == 0, queried.stdout + queried.stderr
    with out.open(encoding="utf-8") as lines:
        rows = {
            row["metric_time__day"][:10]: int(row["active_users"]) for row in csv.DictReader(lines)
        }
    mart = dict(
        serving_rows(published_sample, "select strftime(activity_date, '%Y-%m-%d'), dau"
        " from marts.agg_active_users")
    )  # fmt: skip
    assert len(mart) > 30
    assert rows == mart


@pytest.fixture(scope="module")
def metricflow(serving_project: tuple[Path, dict[str, str]]) -> Iterator[Any]:
    """MetricFlow's engine on the serving copy, in this process (as `mf` builds it)."""
    from dbt_metricflow.cli.cli_configuration import CLIConfiguration

    project, env = serving_project
    with pytest.MonkeyPatch.context() as patch:
        for name in ("USAGE_ANALYTICS_DBT_TARGET", "USAGE_ANALYTICS_WAREHOUSE"):
            patch.setenv(name, env[name])
        patch.delenv("USAGE_ANALYTICS_SERVING_WAREHOUSE", raising=False)
        configuration = CLIConfiguration()
        configuration.setup(
            dbt_profiles_path=project, dbt_project_path=project, configure_file_logging=False
        )
        yield configuration.mf
        configuration.sql_client.close()


def query(engine: Any, metrics: list[str], group_by: list[str]) -> list[tuple[Any, ...]]:
    """The rows of a MetricFlow query: the group-by values first, then the metrics."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    request = MetricFlowQueryRequest.create(metric_names=metrics, group_by_names=group_by)
    table = engine.query(request).result_df
    columns = [*group_by, *metrics]
    indexes = [table.column_names.index(column) for column in columns]
    return [tuple(row[index] for index in indexes) for row in table.rows]


def day(value: Any) -> str:
    return str(value)[:10]


def test_rolling_active_users_and_sessions_per_day_equal_the_marts(
    metricflow: Any, published_sample: Path
) -> None:
    metrics = [
        "weekly_active_users",
        "monthly_active_users",
        "stickiness",
        "sessions",
        "average_session_duration_seconds",
        "bounce_rate",
    ]
    rows = {(day(row[0]),): row[1:] for row in query(metricflow, metrics, ["metric_time__day"])}
    active = serving_rows(
        published_sample,
        "select strftime(activity_date, '%Y-%m-%d'), wau, mau, stickiness"
        " from marts.agg_active_users",
    )
    sessions = serving_rows(
        published_sample,
        "select strftime(session_date, '%Y-%m-%d'), count(*), avg(duration_seconds),"
        " avg(case when is_bounce then 1.0 else 0.0 end) from marts.fct_sessions group by 1",
    )
    assert len(sessions) > 30
    assert_rows_equal({key: row[:3] for key, row in rows.items()}, {(r[0],): r[1:] for r in active})
    with_sessions = {key: row[3:] for key, row in rows.items() if row[3] is not None}
    assert_rows_equal(with_sessions, {(r[0],): r[1:] for r in sessions})


def test_funnel_conversion_per_step_equals_agg_funnel_conversion(
    metricflow: Any, published_sample: Path
) -> None:
    group_by = ["funnel_step__funnel_name", "funnel_step__step_number"]
    metrics = ["funnel_users", "funnel_entrants", "funnel_conversion_rate"]
    rows = {row[:2]: row[2:] for row in query(metricflow, metrics, group_by)}
    mart = serving_rows(
        published_sample,
        "select funnel_name, step_number, count_users, count_users_first_step,"
        " conversion_rate_from_first from marts.agg_funnel_conversion",
    )
    assert any(row[2] < row[3] for row in mart), "the sample's funnels should lose users"
    assert_rows_equal(rows, {row[:2]: row[2:] for row in mart})


def test_retention_per_cohort_and_period_equals_agg_retention(
    metricflow: Any, published_sample: Path
) -> None:
    group_by = [
        "retention_period__retention_name",
        "metric_time__day",
        "retention_period__period_number",
    ]
    metrics = [
        "retention_cohort_users",
        "retained_users",
        "retention_rate",
        "retention_rate_unbounded",
    ]
    rows = {(row[0], day(row[1]), row[2]): row[3:] for row in query(metricflow, metrics, group_by)}
    mart = serving_rows(
        published_sample,
        "select retention_name, strftime(cohort_start, '%Y-%m-%d'), period_number, cohort_size,"
        " count_retained, retention_rate, retention_rate_unbounded from marts.agg_retention",
    )
    assert len({row[0] for row in mart}) > 1
    assert_rows_equal(rows, {row[:3]: row[3:] for row in mart})


def test_feature_adoption_per_week_equals_agg_feature_adoption(
    metricflow: Any, published_sample: Path
) -> None:
    group_by = ["feature_week__feature_name", "metric_time__week"]
    metrics = ["new_feature_adopters", "feature_adoption_rate", "feature_weekly_usage_rate"]
    rows = {(row[0], day(row[1])): row[2:] for row in query(metricflow, metrics, group_by)}
    mart = serving_rows(
        published_sample,
        "select feature_name, strftime(week_start, '%Y-%m-%d'), count_new_adopters,"
        " adoption_rate, weekly_usage_rate from marts.agg_feature_adoption",
    )
    assert_rows_equal(rows, {row[:2]: row[2:] for row in mart})


def test_experiment_users_and_means_equal_agg_experiment_results(
    metricflow: Any, published_sample: Path
) -> None:
    group_by = [
        "experiment_metric_variation__experiment_id",
        "experiment_metric_variation__metric_name",
        "experiment_metric_variation__variation_id",
    ]
    rows = {
        row[:3]: row[3:]
        for row in query(
            metricflow, ["experiment_metric_users", "experiment_metric_mean"], group_by
        )
    }
    mart = serving_rows(
        published_sample,
        "select experiment_id, metric_name, variation_id, count_users, metric_mean"
        " from marts.agg_experiment_results",
    )
    assert any(row[3] > 100 for row in mart), "the sample's experiments should have users"
    assert_rows_equal(rows, {row[:3]: row[3:] for row in mart})
    # users in the readout per variation, from the exposures (every metric has the same users)
    exposures = {
        row[:2]: row[2:]
        for row in query(
            metricflow,
            ["experiment_assigned_users"],
            ["experiment_user__experiment_id", "experiment_user__variation_id"],
        )
    }
    assert_rows_equal(exposures, {(row[0], row[2]): (row[3],) for row in mart})


def test_revenue_aov_and_arpu_per_day_equal_agg_revenue_daily(
    metricflow: Any, published_sample: Path
) -> None:
    metrics = ["revenue", "net_revenue", "orders", "average_order_value", "revenue_per_active_user"]
    rows = {
        (day(row[0]),): row[1:]
        for row in query(metricflow, metrics, ["metric_time__day"])
        if row[1] is not None  # the time spine's days without a row of the mart
    }
    mart = serving_rows(
        published_sample,
        "select strftime(revenue_date, '%Y-%m-%d'), revenue, net_revenue, count_orders,"
        " average_order_value, revenue_per_active_user from marts.agg_revenue_daily",
    )
    assert sum(row[3] for row in mart) > 50, "the sample should have orders"
    assert_rows_equal(rows, {(row[0],): row[1:] for row in mart})


def test_mrr_per_month_equals_agg_mrr_movements(metricflow: Any, published_sample: Path) -> None:
    rows = {(day(row[0]),): row[1:] for row in query(metricflow, ["mrr"], ["metric_time__month"])}
    mart = serving_rows(
        published_sample,
        "select strftime(month_start, '%Y-%m-%d'), closing_mrr from marts.agg_mrr_movements",
    )
    assert all(row[1] > 0 for row in mart[1:]), "the sample should have MRR"
    assert_rows_equal(rows, {(row[0],): row[1:] for row in mart})
