"""What the Dagster UI shows: every asset described and owned, every check described (dbt tests
through the translator's generated sentences), and the table metadata of materializations."""

import datetime as dt

import dagster as dg
import duckdb
import pytest

from orchestration.check_descriptions import dbt_test_description
from orchestration.dbt_project import prepare_manifest
from orchestration.defs.landing.assets import LANDING_GROUP, LANDING_OWNERS
from orchestration.table_metadata import table_metadata
from usage_analytics.warehouse.profile import profile_table


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    prepare_manifest()
    from orchestration.definitions import defs

    return defs()


def generic_test(name: str, column: str | None = "session_id", **kwargs: object) -> dict:
    """A generic test's manifest node, as dbt writes it."""
    return {
        "name": f"{name}_fct_sessions_{column}",
        "description": "",
        "column_name": column,
        "test_metadata": {
            "name": name,
            "kwargs": {
                "column_name": column,
                "model": "{{ get_where_subquery(ref('fct_sessions')) }}",
                **kwargs,
            },
        },
        "config": {"severity": "ERROR", "where": None},
    }


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        (generic_test("not_null"), "not_null: column session_id of fct_sessions is never null"),
        (generic_test("unique"), "unique: no two rows of fct_sessions share a session_id"),
        (
            generic_test("accepted_values", "period", values=["day", "week"]),
            "accepted_values: column period of fct_sessions only holds 'day', 'week'",
        ),
        (
            generic_test("accepted_values", "n", values=list(range(10))),
            "accepted_values: column n of fct_sessions only holds 0, 1, 2, 3, 4, 5, 6, 7"
            " and 2 more",
        ),
        (
            generic_test("relationships", "user_key", to="ref('dim_users')", field="user_key"),
            "relationships: every user_key of fct_sessions is a user_key of dim_users",
        ),
        (
            generic_test("relationships", "load_id", to="source('raw', 'events')", field="id"),
            "relationships: every load_id of fct_sessions is a id of events",
        ),
        (
            generic_test("value_between", "share", min_value=0, max_value=1),
            "value_between: column share of fct_sessions lies between 0 and 1",
        ),
        (
            generic_test("expression_is_true", None, expression="a > 0"),
            "expression_is_true: fct_sessions passes (expression=a > 0)",
        ),
    ],
)
def test_a_generic_test_is_described_from_its_metadata(test: dict, expected: str) -> None:
    assert dbt_test_description(test, "fct_sessions") == expected


def test_a_test_s_own_description_wins_and_severity_and_filter_are_said() -> None:
    singular = {
        "name": "assert_sessions_in_order",
        "description": "Sessions of a user are numbered in time order.\n",
        "test_metadata": None,
        "config": {"severity": "warn", "where": "session_date > '2026-01-01'"},
    }
    assert dbt_test_description(singular, "fct_sessions") == (
        "Warning: Sessions of a user are numbered in time order."
        " (rows where session_date > '2026-01-01')"
    )
    unexplained = {
        "name": "assert_x",
        "original_file_path": "data-tests/assert_x.sql",
        "test_metadata": None,
        "config": {},
    }
    assert dbt_test_description(unexplained, "fct_sessions") == (
        "assert_x (data-tests/assert_x.sql): no row of fct_sessions is returned by the test's query"
    )


def test_every_asset_has_a_description_and_an_owner(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    nodes = [graph.get(key) for key in graph.get_all_asset_keys()]
    nodes = [node for node in nodes if node.is_materializable]
    assert len(nodes) > 60
    undescribed = [
        node.key.to_user_string()
        for node in nodes
        # dagster-dbt's fallback for a model without a description is "dbt model <name>"
        if not node.description or node.description.startswith(("dbt model ", "dbt seed "))
    ]
    assert undescribed == []
    assert [node.key.to_user_string() for node in nodes if not node.owners] == []
    owners = {node.key: list(node.owners) for node in nodes}
    assert owners[dg.AssetKey(["raw", "events"])] == LANDING_OWNERS
    assert (
        owners[dg.AssetKey(["marts", "fct_sessions"])]
        == (owners[dg.AssetKey(["marts_candidate", "fct_sessions"])])
    )
    dbt_groups = {node.group_name for node in nodes if "dbt" in node.kinds}
    assert LANDING_GROUP not in dbt_groups
    assert {tuple(owners[node.key]) for node in nodes if "dbt" in node.kinds} == {
        ("team:analytics-engineering",)
    }


def test_every_check_has_a_description(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    keys = sorted(graph.asset_check_keys, key=lambda key: (key.asset_key, key.name))
    assert len(keys) > 200
    assert [str(key) for key in keys if not graph.get_check_spec(key).description] == []
    session_key = dg.AssetCheckKey(
        dg.AssetKey(["marts_candidate", "fct_sessions"]), "not_null_fct_sessions_session_id"
    )
    assert graph.get_check_spec(session_key).description == (
        "not_null: column session_id of fct_sessions is never null"
    )


def test_a_profile_counts_rows_takes_the_first_time_column_and_renders_a_preview() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.agg_daily as select 'a|b' as label, date '2026-01-05' + n::integer"
        " as activity_date, timestamp '2027-01-01' as loaded_at, n / 3 as share"
        " from range(8) as numbers(n)"
    )
    profile = profile_table(con, "marts", "agg_daily", preview=True)
    assert profile.row_count == 8
    assert profile.time_range is not None
    assert profile.time_range.describe() == "2026-01-05 .. 2026-01-12 (activity_date)"
    assert profile.preview is not None
    lines = profile.preview.splitlines()
    assert lines[0] == "| label | activity_date | loaded_at | share |"
    assert lines[2] == "| a\\|b | 2026-01-05 | 2027-01-01 00:00:00 | 0 |"
    assert lines[3].endswith("| 0.3333 |") and len(lines) == 2 + 5
    metadata = table_metadata(con, "marts", "agg_daily", preview=True, row_count=8)
    assert metadata["dagster/row_count"] == dg.MetadataValue.int(8)
    assert metadata["preview"] == dg.MetadataValue.md(profile.preview)


def test_user_level_rows_get_no_preview_and_an_empty_table_says_so() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.fct_things (user_key varchar, happened_at timestamp)")
    metadata = table_metadata(con, "marts", "fct_things", preview=True)
    assert "preview" not in metadata
    assert metadata["dagster/row_count"] == dg.MetadataValue.int(0)
    assert metadata["time_range"] == dg.MetadataValue.text("no rows (happened_at)")
    con.execute("insert into marts.fct_things values ('u', $1)", [dt.datetime(2026, 1, 5, 9)])
    assert table_metadata(con, "marts", "fct_things")["time_range"] == dg.MetadataValue.text(
        "2026-01-05 09:00:00 .. 2026-01-05 09:00:00 (happened_at)"
    )
