"""A killed command takes its dbt child with it (issue 17 item 10): nothing keeps writing the
warehouse, and the next run goes through."""

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.dbt_project import DBT_EXECUTABLE, dbt_child_executable
from tests.conftest import CLI, REPO_ROOT, run_cli


def _children(pid: int) -> dict[int, str]:
    """Every descendant of ``pid`` (Linux ``/proc``) with its command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                try:
                    command = (Path("/proc") / str(child) / "cmdline").read_bytes()
                except OSError:
                    continue
                found[child] = command.replace(b"\0", b" ").decode(errors="replace")
                frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _dbt_build_child(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child, command in _children(pid).items():
            if f"/{Path(DBT_EXECUTABLE).name} build" in command and "dbt_launcher" not in command:
                return child
        time.sleep(0.2)
    raise AssertionError(f"no dbt build child of {pid} within {timeout}s")


@contextmanager
def _run_command(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, list[str]]]:
    """A ``run`` started in a process group of its own (our signals reach only it), once its
    ``dbt build`` child exists: yields the command, that child's pid, and the run's arguments
    (to run it again). The command is killed at the end if it is still running."""
    events, warehouse = tmp_path / "events", tmp_path / "w.duckdb"
    generated = run_cli("generate", "--out", str(events), "--users", "20", "--days", "3")
    assert generated.returncode == 0, generated.stderr
    arguments = ["run", "--events", str(events), "--warehouse", str(warehouse)]
    command = subprocess.Popen(
        [*CLI, *arguments],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield command, _dbt_build_child(command.pid, timeout=300), arguments
    finally:
        if command.poll() is None:
            command.kill()
            command.wait()


def test_kill_9_of_the_command_kills_its_dbt_build(tmp_path: Path) -> None:
    with _run_command(tmp_path) as (command, dbt, arguments):
        os.kill(command.pid, signal.SIGKILL)
        command.wait()
        deadline = time.monotonic() + 10
        while _alive(dbt) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(dbt), "the dbt build outlived the command that started it"
    rerun = run_cli(*arguments)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr


def test_sigterm_stops_the_command_and_its_dbt_build(tmp_path: Path) -> None:
    with _run_command(tmp_path) as (command, dbt, _):
        command.send_signal(signal.SIGTERM)
        _, stderr = command.communicate(timeout=120)
    assert command.returncode == 130
    assert stderr.strip().splitlines()[-1].startswith("usage-analytics run: interrupted")
    assert not _alive(dbt)


def test_the_launcher_answers_the_version_check_as_the_dbt_it_starts() -> None:
    """dagster-dbt runs ``dbt --version`` before every command; the launcher answers it without
    starting dbt, and with the version the real dbt reports."""
    launcher = dbt_child_executable()
    assert launcher != DBT_EXECUTABLE  # the tests run where the launcher can be used
    answered = subprocess.run([launcher, "--version"], capture_output=True, text=True, check=True)
    real = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True)
    version = re.search(r"\d+\.\d+\.\d+", answered.stdout)
    assert version is not None
    assert f"installed: {version.group(0)}" in real.stdout
    # any other call goes to dbt itself
    usage = subprocess.run([launcher, "--help"], capture_output=True, text=True, check=True)
    assert "Usage: dbt" in usage.stdout
