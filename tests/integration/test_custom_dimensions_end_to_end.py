"""Adding a row to seeds/custom_dimensions.csv adds a typed column, with no other change."""

import filecmp
from pathlib import Path

import pytest

from tests.conftest import copy_project, query, run_cli, write_events

pytestmark = pytest.mark.integration

EVENTS = [
    {
        "event_id": "cd-1",
        "type": "identify",
        "user_id": "u_cd",
        "timestamp": "2026-01-05T09:00:00Z",
        "traits": {"seats": "12"},
    },
    {
        "event_id": "cd-2",
        "type": "track",
        "event": "Report Created",
        "user_id": "u_cd",
        "timestamp": "2026-01-05T09:01:00Z",
        "properties": {"sku": "R-42", "plan": "pro"},
    },
    {
        "event_id": "cd-3",
        "type": "identify",
        "user_id": "u_cd",
        "timestamp": "2026-01-06T09:00:00Z",
        "traits": {"seats": 15},
    },
]


def differing_files(left: Path, right: Path) -> list[str]:
    """Files that differ between two folder trees (relative paths)."""
    comparison = filecmp.dircmp(left, right)
    found = [str(Path(left.name) / n) for n in comparison.diff_files + comparison.left_only]
    found += [str(Path(left.name) / n) for n in comparison.right_only]
    for sub in comparison.common_dirs:
        found += [str(Path(left.name) / p) for p in differing_files(left / sub, right / sub)]
    return found


def test_new_seed_rows_become_typed_columns(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    pristine = copy_project(tmp_path / "pristine")
    write_events(tmp_path / "events" / "a.ndjson", EVENTS)
    args = ("run", "--events", str(tmp_path / "events"), "--warehouse", str(tmp_path / "w.duckdb"))
    first = run_cli(*args, cwd=project)
    assert first.returncode == 0, first.stdout[-3000:]
    columns = "select column_name from information_schema.columns where table_name = ?"
    assert ("seats",) not in query(tmp_path / "w.duckdb", columns, ["dim_users"])

    # the analyst's whole change: two rows in the seed
    with open(project / "seeds" / "custom_dimensions.csv", "a", encoding="utf-8") as seed:
        seed.write("seats,user,traits.seats,integer\nsku,event,properties.sku,varchar\n")
    second = run_cli(*args, cwd=project)
    assert second.returncode == 0, second.stdout[-3000:]

    typed = (
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? and column_name = ?"
    )
    assert query(tmp_path / "w.duckdb", typed, ["dim_users", "seats"]) == [("seats", "INTEGER")]
    assert query(tmp_path / "w.duckdb", typed, ["fct_events", "sku"]) == [("sku", "VARCHAR")]
    # the user's latest non-null value ("12" then 15 -> 15), the event's own value
    assert query(
        tmp_path / "w.duckdb", "select seats from marts.dim_users where user_key = 'u_cd'"
    ) == [(15,)]
    assert query(
        tmp_path / "w.duckdb", "select event_id, sku from marts.fct_events order by event_id"
    ) == [("cd-1", None), ("cd-2", "R-42"), ("cd-3", None)]
    assert query(
        tmp_path / "w.duckdb",
        "select segment_value from intermediate.int_user_segments where segment_name = 'seats'",
    ) == [("15",)]
    # apart from the seed, only the generated contract blocks changed
    changed = sorted(
        differing_files(pristine / "dbt_project" / "models", project / "dbt_project" / "models")
    )
    assert changed == ["models/marts/dim_users.yml", "models/marts/fct_events.yml"]
    assert differing_files(pristine / "seeds", project / "seeds") == ["seeds/custom_dimensions.csv"]


def test_an_invalid_seed_row_is_a_clear_error(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    with open(project / "seeds" / "custom_dimensions.csv", "a", encoding="utf-8") as seed:
        seed.write("seats,user,traits.seats,integr\n")
    write_events(tmp_path / "events" / "a.ndjson", EVENTS)
    run = run_cli(
        "run",
        "--events",
        str(tmp_path / "events"),
        "--warehouse",
        str(tmp_path / "w.duckdb"),
        cwd=project,
    )
    assert run.returncode == 2
    assert "custom_dimensions.csv line 6 (seats): data_type must be one of" in run.stderr
