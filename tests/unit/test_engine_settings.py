"""DuckDB's memory limit, threads and spill folder: set from the environment, given to every
connection of a run and to dbt, and a step that does not fit fails in one line."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.dbt_project import DBT_PROJECT_DIR
from orchestration.defs.resources import SettingError, Warehouse, from_env
from usage_analytics.warehouse.dbt_plugin import Plugin
from usage_analytics.warehouse.engine import (
    MEMORY_LIMIT_ENV,
    TEMP_DIRECTORY_ENV,
    THREADS_ENV,
    WAREHOUSE_ENV,
    EngineSettings,
    default_temp_directory,
)


def _settings(con: duckdb.DuckDBPyConnection) -> tuple[str, int, str]:
    row = con.execute(
        "select current_setting('memory_limit'), current_setting('threads'),"
        " current_setting('temp_directory')"
    ).fetchone()
    assert row is not None
    return row


def test_every_connection_of_a_run_gets_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("USAGE_ANALYTICS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("USAGE_ANALYTICS_MEMORY_LIMIT", "512MB")
    monkeypatch.setenv("USAGE_ANALYTICS_THREADS", "1")
    monkeypatch.setenv("USAGE_ANALYTICS_TEMP_DIRECTORY", str(tmp_path / "spill"))
    warehouse = from_env("warehouse", Warehouse)
    with warehouse.get_connection() as con:
        assert _settings(con) == ("488.2 MiB", 1, str(tmp_path / "spill"))
    with warehouse.read_only() as con:
        assert _settings(con) == ("488.2 MiB", 1, str(tmp_path / "spill"))
    assert warehouse.engine.environment(warehouse.path) == {
        "USAGE_ANALYTICS_MEMORY_LIMIT": "512MB",
        "USAGE_ANALYTICS_THREADS": "1",
        "USAGE_ANALYTICS_TEMP_DIRECTORY": str(tmp_path / "spill"),
    }


def test_the_defaults_spill_beside_the_warehouse_on_every_core(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    config = EngineSettings().duckdb_config(warehouse)
    assert config["memory_limit"] == "3GB"
    assert isinstance(config["threads"], int) and config["threads"] >= 1
    assert config["temp_directory"] == str(default_temp_directory(warehouse))
    assert default_temp_directory(warehouse) == tmp_path / "w.duckdb.tmp"


@pytest.mark.parametrize("value", ["lots", "3 parsecs", "GB"])
def test_a_memory_limit_duckdb_refuses_stops_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("USAGE_ANALYTICS_MEMORY_LIMIT", value)
    with pytest.raises(SettingError, match=f"USAGE_ANALYTICS_MEMORY_LIMIT='{value}'.*memory"):
        from_env("warehouse", Warehouse)


def test_a_step_that_does_not_fit_fails_in_one_line_naming_the_setting(tmp_path: Path) -> None:
    warehouse = Warehouse(database=str(tmp_path / "w.duckdb"), memory_limit="20MB", threads=1)
    with pytest.raises(dg.Failure) as failure, warehouse.get_connection() as con:
        # a hash aggregate over 20 million distinct strings: far beyond 20 MB, and the
        # list aggregate cannot spill
        con.execute("select i % 7, list(i::varchar) from range(20000000) t(i) group by 1")
    description = failure.value.description or ""
    assert "\n" not in description
    assert "ran out of memory: DuckDB's limit is 20MB (USAGE_ANALYTICS_MEMORY_LIMIT)" in description
    assert "USAGE_ANALYTICS_TEMP_DIRECTORY" in description


def test_dbt_opens_the_warehouse_with_the_settings_the_resource_exports(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "it's here.duckdb"  # a quote in the path stays data
    duckdb.connect(str(path)).execute("create table marker as select 42 as answer").close()
    warehouse = Warehouse(database=str(path), memory_limit="512MB", threads=1)
    for name, value in {**warehouse.engine.environment(path), WAREHOUSE_ENV: str(path)}.items():
        monkeypatch.setenv(name, value)
    plugin = Plugin(name="dbt_plugin", plugin_config={})
    config: dict[str, object] = {}
    plugin.update_connection_config(None, config)
    with duckdb.connect(config=config) as con:
        plugin.configure_connection(con)
        assert _settings(con) == ("488.2 MiB", 1, str(default_temp_directory(path)))
        assert con.execute("select answer from warehouse.marker").fetchone() == (42,)


def test_the_dbt_profile_names_no_warehouse_or_setting() -> None:
    """dbt hashes the profile's connection settings into its partial-parse state: a value that
    differs between warehouses there makes each new warehouse parse the project again."""
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    settings = [WAREHOUSE_ENV, MEMORY_LIMIT_ENV, THREADS_ENV, TEMP_DIRECTORY_ENV]
    assert [name for name in settings if name in profile.split("plugins:")[1]] == []
    assert "module: usage_analytics.warehouse.dbt_plugin" in profile


@pytest.mark.parametrize("configured", [False, True])
def test_the_serving_target_opens_the_serving_copy_read_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, configured: bool
) -> None:
    """`opens: serving` (the profile's `serving` target): the serving copy beside the warehouse,
    or the one USAGE_ANALYTICS_SERVING_WAREHOUSE names, under the same catalog, read-only."""
    warehouse = tmp_path / "w.duckdb"
    serving = tmp_path / "elsewhere.duckdb" if configured else tmp_path / "w.serving.duckdb"
    duckdb.connect(str(serving)).execute("create table marker as select 7 as answer").close()
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))
    if configured:
        monkeypatch.setenv("USAGE_ANALYTICS_SERVING_WAREHOUSE", str(serving))
    else:
        monkeypatch.delenv("USAGE_ANALYTICS_SERVING_WAREHOUSE", raising=False)
    plugin = Plugin(name="dbt_plugin", plugin_config={"opens": "serving"})
    with duckdb.connect() as con:
        plugin.configure_connection(con)
        assert con.execute("select answer from warehouse.marker").fetchone() == (7,)
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table warehouse.written (a integer)")
    assert not warehouse.exists()


def test_the_plugin_refuses_an_unknown_database() -> None:
    with pytest.raises(ValueError, match="opens: 'writer' is not one of warehouse, serving"):
        Plugin(name="dbt_plugin", plugin_config={"opens": "writer"})
