"""What a command prints: progress and summary for people, ``--quiet`` and ``--json`` for cron,
the logs in a file (or the terminal with ``-v``), colour only on a terminal without NO_COLOR;
the dbt process's environment; a warning is never a failed check."""

import io
import json
import logging
import os
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.dbt_environment import (
    DAGSTER_DBT_LOGGER,
    dbt_child_environment,
    observation_warnings_once,
)
from orchestration.output import LOG_FILES_KEPT, OutputOptions, colour_allowed, command_output
from orchestration.summary import RunSummary, check_outcome
from tests.unit.landing_helpers import FLOOR, NOW, SALT, event, write_lines
from usage_analytics.landing.land import land_folder

RED = "\x1b[31mred\x1b[0m"


class Terminal(io.StringIO):
    """A captured stream that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    monkeypatch.delenv("NO_COLOR", raising=False)
    return Terminal(tty=False)


def summary(success: bool = True) -> RunSummary:
    return RunSummary(success=success, warehouse=Path("/tmp/w.duckdb"), checks_passed=3)


@pytest.mark.parametrize(
    ("tty", "no_color", "allowed"),
    [(True, None, True), (True, "1", False), (False, None, False)],
)
def test_colour_only_on_a_terminal_without_no_color(
    monkeypatch: pytest.MonkeyPatch, tty: bool, no_color: str | None, allowed: bool
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert colour_allowed(Terminal(tty)) is allowed


def test_by_default_logs_go_to_a_file_without_colour_and_progress_to_the_terminal(
    terminal: Terminal, tmp_path: Path
) -> None:
    with command_output(OutputOptions(), "run", tmp_path / "w.duckdb", terminal=terminal) as output:
        print(f"a dbt log line {RED}")
        print("a Dagster log line", file=sys.stderr)
        output.progress.line("dbt_models done in 1.0s")
    output.report(summary())
    shown = terminal.getvalue()
    assert "a dbt log line" not in shown and "a Dagster log line" not in shown
    assert shown.startswith("usage-analytics run: dbt_models done in 1.0s\n")
    assert "usage-analytics run: OK" in shown
    assert f"  log         {output.log_file}" in shown
    assert output.log_file.parent == tmp_path / "w.duckdb.logs"
    log = output.log_file.read_text(encoding="utf-8")
    assert "a dbt log line red\n" in log and "a Dagster log line" in log
    assert sys.stdout is not output.terminal and "PlainText" not in type(sys.stdout).__name__


@pytest.mark.parametrize(("tty", "coloured"), [(False, False), (True, True)])
def test_verbose_logs_go_to_the_terminal_coloured_only_on_a_terminal(
    terminal: Terminal, tmp_path: Path, tty: bool, coloured: bool
) -> None:
    terminal.tty = tty
    verbose = OutputOptions(verbose=True)
    with command_output(verbose, "run", tmp_path / "w.duckdb", terminal=terminal) as output:
        print(f"a dbt log line {RED}")
    assert output.log_file is None
    assert ("\x1b[31m" in terminal.getvalue()) is coloured
    assert "a dbt log line" in terminal.getvalue()


def test_quiet_prints_nothing_on_success_and_the_summary_on_stderr_on_failure(
    terminal: Terminal, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = OutputOptions(quiet=True)
    with command_output(options, "run", tmp_path / "w.duckdb", terminal=terminal) as output:
        output.progress.line("land_events done in 1.0s")
        print("a dbt log line")
    output.report(summary())
    assert terminal.getvalue() == ""
    output.report(summary(success=False))
    assert terminal.getvalue() == ""
    assert "usage-analytics run: FAILED" in capsys.readouterr().err


def test_json_prints_one_object_and_no_progress(terminal: Terminal, tmp_path: Path) -> None:
    as_json = OutputOptions(json=True)
    with command_output(as_json, "run", tmp_path / "w.duckdb", terminal=terminal) as output:
        output.progress.line("land_events done in 1.0s")
    output.report(summary())
    printed = json.loads(terminal.getvalue())
    assert printed["status"] == "OK" and printed["checks_passed"] == 3
    assert printed["log_file"] == str(output.log_file)


def evaluation(passed: bool, severity: dg.AssetCheckSeverity) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(["raw", "events"]),
        check_name="events_freshness",
        passed=passed,
        severity=severity,
        blocking=False,
    )


def test_a_failed_warning_is_a_warning_not_a_failed_check() -> None:
    assert check_outcome(evaluation(False, dg.AssetCheckSeverity.WARN)) == "warned"
    assert check_outcome(evaluation(False, dg.AssetCheckSeverity.ERROR)) == "failed"
    assert check_outcome(evaluation(True, dg.AssetCheckSeverity.WARN)) == "passed"
    warned = summary()
    warned.checks_warned = ["raw/events:events_freshness"]
    text = warned.render()
    assert "  checks      3 passed, 0 failed, 1 warning(s) (not blocking)" in text
    assert "    WARN      raw/events:events_freshness" in text


def test_a_run_that_published_nothing_is_never_ok() -> None:
    failed = summary(success=False)
    failed.marts_expected = ["dim_users", "fct_events"]
    failed.marts_not_published = ["dim_users", "fct_events"]
    assert "not built   2 of 2 marts were not materialized and published" in failed.render()


def test_dbt_flag_variables_do_not_reach_the_dbt_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_QUIET", "true")
    monkeypatch.setenv("DBT_LOG_LEVEL", "none")
    monkeypatch.setenv("DBT_ENV_SECRET_TOKEN", "kept")
    with dbt_child_environment() as ignored:
        assert ignored == ["DBT_LOG_LEVEL", "DBT_QUIET"]
        assert "DBT_QUIET" not in os.environ and "DBT_LOG_LEVEL" not in os.environ
        assert os.environ["DBT_ENV_SECRET_TOKEN"] == "kept"
    assert os.environ["DBT_QUIET"] == "true" and os.environ["DBT_LOG_LEVEL"] == "none"


def test_the_observation_warning_is_shown_once_per_step(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger(DAGSTER_DBT_LOGGER)
    warning = "Logging an `AssetObservation` instead of an `AssetCheckResult` for dbt test `t{}`."
    with caplog.at_level(logging.WARNING, logger=DAGSTER_DBT_LOGGER):
        with observation_warnings_once() as repeated:
            for number in range(4):
                log.warning(warning.format(number))
            log.warning("another warning")
        log.warning(warning.format(9))  # the filter is gone after the step
    messages = [record.getMessage() for record in caplog.records]
    assert sum(message.startswith("Logging an `AssetObservation`") for message in messages) == 2
    assert "another warning" in messages
    assert repeated.count_dropped == 3


def test_landing_reports_each_committed_batch(tmp_path: Path) -> None:
    folder = tmp_path / "events"
    for day in range(3):
        write_lines(folder, f"day{day}.ndjson", [event(event_id=f"e-{day}-{n}") for n in range(5)])
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    batches: list[tuple[int, int, int]] = []
    try:
        land_folder(
            con,
            folder,
            pii_salt=SALT,
            timestamp_floor=FLOOR,
            now=NOW,
            batch_bytes=1,  # one file per batch
            on_batch=lambda so_far, number, count: batches.append(
                (number, count, so_far.count_lines)
            ),
        )
    finally:
        con.close()
    assert batches == [(1, 3, 5), (2, 3, 10), (3, 3, 15)]


def test_waiting_for_the_warehouse_is_a_progress_line_never_in_json_or_quiet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    OutputOptions().waiting("run")("waiting for pid 1")
    OutputOptions(json=True).waiting("run")("waiting for pid 2")
    OutputOptions(quiet=True).waiting("run")("waiting for pid 3")
    assert capsys.readouterr().out == "usage-analytics run: waiting for pid 1\n"


def test_only_the_newest_log_files_are_kept(terminal: Terminal, tmp_path: Path) -> None:
    logs = tmp_path / "w.duckdb.logs"
    logs.mkdir()
    for number in range(LOG_FILES_KEPT + 5):
        old = logs / f"run-{number:03d}.log"
        old.write_text("old")
        os.utime(old, (1_000_000 + number, 1_000_000 + number))
    with command_output(OutputOptions(), "run", tmp_path / "w.duckdb", terminal=terminal) as out:
        print("new")
    kept = sorted(path.name for path in logs.glob("*.log"))
    assert len(kept) == LOG_FILES_KEPT and out.log_file.name in kept
    assert "run-000.log" not in kept and f"run-{LOG_FILES_KEPT + 4:03d}.log" in kept
