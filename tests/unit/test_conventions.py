"""House conventions of the dbt project (STYLE.md): checked on the files, no dbt run needed.

SQL style (lower case, indentation, aliases, line length) is sqlfluff's job (.sqlfluff).
"""

import re
from pathlib import Path

import pytest
import yaml

from usage_analytics.custom_dimensions import sync_contracts
from usage_analytics.dbt_vars import dbt_var_defaults
from usage_analytics.paths import DBT_PROJECT_DIR

MODELS = DBT_PROJECT_DIR / "models"
PREFIXES = {
    "staging": ("stg_",),
    "intermediate": ("int_",),
    "marts": ("fct_", "dim_", "agg_"),
    "audit": ("audit_",),
}
MODEL_FILES = sorted(MODELS.rglob("*.sql"))


def model_properties(sql: Path) -> dict:
    """The `models:` entry of the YAML beside a model."""
    document = yaml.safe_load(sql.with_suffix(".yml").read_text())
    entries = [m for m in document.get("models", []) if m["name"] == sql.stem]
    assert len(entries) == 1, f"{sql.with_suffix('.yml')} must describe {sql.stem} once"
    return entries[0]


def test_every_contract_mart_has_a_model() -> None:
    """CONTRACT §5's marts, each in the marts folder (the contract names them; none may go)."""
    contract = {
        "fct_events",
        "fct_sessions",
        "dim_users",
        "agg_active_users",
        "fct_funnel_steps",
        "agg_funnel_conversion",
        "agg_retention",
        "agg_lifecycle",
        "agg_feature_adoption",
    }
    marts = {path.stem for path in MODEL_FILES if path.parent.name == "marts"}
    assert contract <= marts, contract - marts


def test_the_mart_contracts_list_the_seeds_custom_dimensions() -> None:
    """`usage-analytics sync-contracts` has been run: the committed YAML matches the seed."""
    assert sync_contracts(write=False) == []


@pytest.mark.parametrize("sql", MODEL_FILES, ids=lambda p: p.stem)
def test_every_model_has_its_yaml_with_a_grain(sql: Path) -> None:
    assert sql.with_suffix(".yml").exists(), f"{sql.name} has no {sql.stem}.yml beside it"
    description = model_properties(sql).get("description", "")
    assert "one row per" in description.lower(), f"{sql.stem}: state the grain ('One row per')"


@pytest.mark.parametrize("sql", MODEL_FILES, ids=lambda p: p.stem)
def test_model_prefix_matches_its_folder(sql: Path) -> None:
    layer = sql.relative_to(MODELS).parts[0]
    assert layer in PREFIXES, f"{sql} is outside the known layers {sorted(PREFIXES)}"
    assert sql.stem.startswith(PREFIXES[layer]), f"{sql.stem} in {layer}/ needs {PREFIXES[layer]}"


@pytest.mark.parametrize(
    "sql", [p for p in MODEL_FILES if p.parent.name == "marts"], ids=lambda p: p.stem
)
def test_marts_enforce_a_contract_and_list_their_columns(sql: Path) -> None:
    properties = model_properties(sql)
    assert properties.get("config", {}).get("contract", {}).get("enforced") is True
    assert all("data_type" in column for column in properties["columns"])
    final_statement = sql.read_text().lower().split("\n)\n")[-1]  # after the last CTE
    assert "select *" not in final_statement, f"{sql.stem}: a mart lists its columns"
    key = properties["columns"][0]
    assert {"unique", "not_null"} <= {t for t in key.get("data_tests", []) if isinstance(t, str)}


def test_vars_named_by_the_contract_have_defaults() -> None:
    defaults = dbt_var_defaults()
    for name in (
        "session_timeout_minutes",
        "max_session_hours",
        "reporting_timezone",
        "inactive_after_days",
        "signup_event",
        "timestamp_floor",
    ):
        assert name in defaults


def test_every_macro_is_documented() -> None:
    documented = {
        m["name"]
        for m in yaml.safe_load((DBT_PROJECT_DIR / "macros" / "_macros.yml").read_text())["macros"]
    }
    for path in (DBT_PROJECT_DIR / "macros").glob("*.sql"):
        for line in path.read_text().splitlines():
            if line.startswith("{% macro ") and "__" not in line:
                name = line.split("{% macro ")[1].split("(")[0]
                assert name in documented, f"macro {name} ({path.name}) is not in _macros.yml"


def test_every_setting_is_documented_in_the_one_table() -> None:
    """docs/configuration.md lists exactly the environment variables the resources read and
    those the dbt project reads itself (`env_var(...)`: the Spark target's)."""
    from orchestration.defs.resources import ENVIRONMENT

    table = (DBT_PROJECT_DIR.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(USAGE_ANALYTICS_[A-Z_]+)`", table, flags=re.MULTILINE))
    read_by_dbt = {
        name
        for path in DBT_PROJECT_DIR.rglob("*")
        if path.suffix in (".sql", ".yml") and "target" not in path.parts
        for name in re.findall(r"env_var\('(USAGE_ANALYTICS_[A-Z_]+)'", path.read_text())
    }
    assert "USAGE_ANALYTICS_RAW_LOCATION" in read_by_dbt
    assert documented == set(ENVIRONMENT) | read_by_dbt | {"USAGE_ANALYTICS_FAULT_PAUSE"}
