"""House conventions of the dbt project (STYLE.md): checked on the files, no dbt run needed.

SQL style (lower case, indentation, aliases, line length) is sqlfluff's job (.sqlfluff).
"""

from pathlib import Path

import pytest
import yaml

from orchestration.lib.settings import DBT_PROJECT_DIR, dbt_var_defaults

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


def test_there_are_models() -> None:
    assert len(MODEL_FILES) >= 9


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
