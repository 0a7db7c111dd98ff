"""Validation of seeds/custom_dimensions.csv and the contract blocks generated from it."""

import shutil
from pathlib import Path

import pytest

from usage_analytics.custom_dimensions import (
    BEGIN,
    CONTRACT_TYPES,
    END,
    CustomDimensionError,
    read_dimensions,
    sync_contracts,
)
from usage_analytics.paths import DBT_PROJECT_DIR, SEEDS_DIR

HEADER = "dimension_name,level,source_path,data_type\n"


def seed(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "custom_dimensions.csv"
    path.write_text(HEADER + rows)
    return path


def marts_copy(tmp_path: Path) -> Path:
    models = tmp_path / "marts"
    models.mkdir()
    for name in ("fct_events.yml", "dim_users.yml"):
        shutil.copy(DBT_PROJECT_DIR / "models" / "marts" / name, models / name)
    return models


def test_the_bundled_seed_is_valid_and_the_contracts_are_in_step() -> None:
    dimensions = read_dimensions(SEEDS_DIR / "custom_dimensions.csv")
    assert {d.level for d in dimensions} == {"event", "user"}
    for dimension in dimensions:
        mart = "fct_events" if dimension.level == "event" else "dim_users"
        text = (DBT_PROJECT_DIR / "models" / "marts" / f"{mart}.yml").read_text()
        block = text.split(BEGIN)[1].split(END)[0]
        data_type = CONTRACT_TYPES.get(dimension.data_type, dimension.data_type)
        assert f"- name: {dimension.name}\n        data_type: {data_type}" in block


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("Bad Name,event,properties.x,varchar\n", "snake_case"),
        ("x,event,properties.x,varchar\nx,user,traits.x,varchar\n", "declared twice"),
        ("x,session,properties.x,varchar\n", "level must be one of"),
        ("x,event,payload.x,varchar\n", "dotted path under properties, context, traits"),
        ("x,event,properties,varchar\n", "dotted path"),
        ("x,event,properties.x,text\n", "data_type must be one of"),
    ],
)
def test_invalid_rows_are_named_with_their_line(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(CustomDimensionError, match=message) as error:
        read_dimensions(seed(tmp_path, rows))
    assert "custom_dimensions.csv line " in str(error.value)


def test_a_dimension_clashing_with_a_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CustomDimensionError, match="clash"):
        sync_contracts(seed(tmp_path, "user_key,user,traits.x,varchar\n"), marts_copy(tmp_path))


def test_sync_writes_each_level_to_its_mart_and_is_idempotent(tmp_path: Path) -> None:
    models = marts_copy(tmp_path)
    path = seed(tmp_path, "seats,user,traits.seats,integer\nsku,event,properties.sku,varchar\n")
    assert sorted(p.name for p in sync_contracts(path, models)) == [
        "dim_users.yml",
        "fct_events.yml",
    ]
    users = (models / "dim_users.yml").read_text()
    events = (models / "fct_events.yml").read_text()
    assert "- name: seats\n        data_type: integer" in users and "sku" not in users
    assert "- name: sku\n        data_type: string" in events and "seats" not in events
    assert sync_contracts(path, models) == []  # nothing left to change
    # removing the rows removes the columns again
    assert len(sync_contracts(seed(tmp_path, ""), models)) == 2
    assert "seats" not in (models / "dim_users.yml").read_text()
