"""Bad invocations and inputs: exit 2, one line on stderr naming the offending value, file or
seed row, no traceback, and nothing built (issue 17 items 5, 14 and 15; README "Exit codes")."""

from pathlib import Path

import pytest

from tests.conftest import copy_project, run_cli, write_events

EVENT = {
    "event_id": "e1",
    "event": "Signed Up",
    "user_id": "u1",
    "timestamp": "2026-01-05T10:00:00Z",
}


@pytest.fixture
def events(tmp_path: Path) -> Path:
    folder = tmp_path / "events"
    write_events(folder / "day.ndjson", [EVENT])
    return folder


def _assert_one_line_error(result, *expected: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ('{signup_event: "x\'; select 1; --"}', ["signup_event", "x'; select 1; --"]),
        ("{session_timeout_minutes: (select 1)}", ["session_timeout_minutes", "(select 1)"]),
        ("{session_timeout_minutes: -5}", ["session_timeout_minutes=-5", "from 1 to 1440"]),
        ("{session_timeout_minutes: abc}", ["session_timeout_minutes='abc'"]),
        ("{reporting_timezone: Mars/Olympus}", ["reporting_timezone='Mars/Olympus'", "IANA"]),
        ("{timestamp_floor: 2024-02-30}", ["timestamp_floor='2024-02-30'"]),
        ("{signup_event: singed_up}", ["signup_event='singed_up'", "tracking_plan"]),
    ],
)
def test_a_bad_var_exits_2_before_anything_runs(
    tmp_path: Path, events: Path, variables: str, expected: list[str]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    result = run_cli(
        "run", "--events", str(events), "--warehouse", str(warehouse), "--vars", variables
    )
    _assert_one_line_error(result, *expected)
    assert not warehouse.exists()


@pytest.mark.parametrize(
    ("option", "env", "expected"),
    [
        (["--target", "nope"], {}, ["--target 'nope'", "(duckdb, spark)"]),
        (["--target", "serving"], {}, ["--target 'serving'", "builds"]),
        ([], {"USAGE_ANALYTICS_DBT_TARGET": "serving"}, ["USAGE_ANALYTICS_DBT_TARGET='serving'"]),
    ],
)
def test_a_target_that_does_not_build_exits_2_before_anything_runs(
    tmp_path: Path, events: Path, option: list[str], env: dict[str, str], expected: list[str]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    result = run_cli(
        "run", "--events", str(events), "--warehouse", str(warehouse), *option, env=env
    )
    _assert_one_line_error(result, *expected)
    assert not warehouse.exists()


def test_a_funnel_step_with_an_unknown_event_exits_2_naming_the_row(
    tmp_path: Path, events: Path
) -> None:
    project = copy_project(tmp_path / "project")
    seed = project / "seeds" / "funnel_definitions.csv"
    seed.write_text(
        seed.read_text().replace("onboarding,2,onboarding_started", "onboarding,2,singed_up")
    )
    warehouse = tmp_path / "w.duckdb"
    result = run_cli("run", "--events", str(events), "--warehouse", str(warehouse), cwd=project)
    _assert_one_line_error(
        result,
        "seeds/funnel_definitions.csv line 3: event_name 'singed_up' is not in the tracking plan",
    )
    assert not warehouse.exists()


def test_an_empty_events_folder_is_no_events_landed(tmp_path: Path) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "notes.txt").write_text("not events")
    warehouse = tmp_path / "w.duckdb"
    result = run_cli("run", "--events", str(tmp_path / "empty"), "--warehouse", str(warehouse))
    _assert_one_line_error(result, "no events landed", str(tmp_path / "empty"))
    assert not warehouse.exists()


def test_a_missing_events_folder_exits_2(tmp_path: Path) -> None:
    result = run_cli(
        "run", "--events", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "w.duckdb")
    )
    _assert_one_line_error(result, "no landing folder", "nowhere")


def test_a_warehouse_folder_that_cannot_be_written_exits_2(tmp_path: Path, events: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    result = run_cli("run", "--events", str(events), "--warehouse", str(blocker / "w.duckdb"))
    _assert_one_line_error(result, "cannot create the warehouse folder", str(blocker))


def test_a_warehouse_folder_where_no_file_can_be_created_exits_2(events: Path) -> None:
    """/proc exists, and even root cannot create a file in it (a permission check would pass)."""
    result = run_cli("run", "--events", str(events), "--warehouse", "/proc/w.duckdb")
    _assert_one_line_error(result, "cannot write the warehouse '/proc/w.duckdb'")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--users", "-5"], ["--users", "'-5'"]),
        (["--days", "0"], ["--days", "'0'"]),
        (["--start", "not-a-date"], ["--start", "'not-a-date'"]),
        (["--start", "2024-02-30"], ["--start", "'2024-02-30'"]),
        (["--dirty-share", "2"], ["--dirty-share", "'2'"]),
    ],
)
def test_bad_generate_arguments_exit_2(
    tmp_path: Path, arguments: list[str], expected: list[str]
) -> None:
    out = tmp_path / "out"
    result = run_cli("generate", "--out", str(out), *arguments)
    _assert_one_line_error(result, "usage-analytics generate:", *expected)
    assert not out.exists()


def test_generate_into_an_unwritable_place_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    result = run_cli("generate", "--out", str(blocker / "out"), "--users", "2", "--days", "1")
    _assert_one_line_error(result, "cannot write into --out", str(blocker))
