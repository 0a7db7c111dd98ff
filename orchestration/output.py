"""What a command prints, for people and for cron: progress, the summary, and where the logs go.

By default a command prints one progress line per step (and per committed landing batch) and
the summary; the dbt and Dagster logs go to a log file, ``<warehouse>.logs/<command>-<time>.log``,
whose path the summary names (the newest ``LOG_FILES_KEPT`` are kept). ``-v`` sends those logs
to the terminal instead, ``--quiet`` prints nothing on success (the summary, on stderr, when the
run failed), and ``--json`` prints one JSON object, the summary, on stdout. Colour codes reach
only a terminal, and not with ``NO_COLOR`` set; the log file never holds any.
"""

import argparse
import datetime as dt
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the CLI imports this module for its options: Dagster loads only for a run
    import dagster as dg

    from orchestration.summary import RunSummary

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
LOG_FILES_KEPT = 30  # per warehouse: older log files are removed when a command starts


@dataclass(frozen=True)
class OutputOptions:
    """The output options of a command (``-v``, ``--quiet``, ``--json``)."""

    verbose: bool = False
    quiet: bool = False
    json: bool = False

    @classmethod
    def of(cls, args: argparse.Namespace) -> "OutputOptions":
        """The options parsed by ``add_output_options`` (all off for a command without them)."""
        return cls(
            verbose=getattr(args, "verbose", False),
            quiet=getattr(args, "quiet", False),
            json=getattr(args, "json", False),
        )

    @property
    def shows_progress(self) -> bool:
        """Whether progress lines are printed."""
        return not (self.quiet or self.json)

    def say(self, message: str) -> None:
        """Prints a progress line, or nothing (``--quiet``; ``--json`` keeps stdout for the one
        JSON object)."""
        if self.shows_progress:
            print(message, flush=True)

    def waiting(self, command: str) -> Callable[[str], None]:
        """What to do with "waiting for the warehouse" messages (see ``say``)."""
        return lambda message: self.say(f"usage-analytics {command}: {message}")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``-v``, ``--quiet`` and ``--json`` on a command that runs the pipeline."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="dbt and Dagster logs on the terminal instead of the log file",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing on success (for cron)"
    )
    group.add_argument(
        "--json", action="store_true", help="print the summary as one JSON object on stdout"
    )


def colour_allowed(stream: TextIO) -> bool:
    """Colour codes only on a terminal, and not when ``NO_COLOR`` is set (no-color.org)."""
    return not os.environ.get("NO_COLOR") and stream.isatty()


class PlainText(io.TextIOBase):
    """A text stream that drops ANSI colour codes on their way to ``target``, and says it is no
    terminal (so libraries that colour for terminals do not)."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self._target = target

    def write(self, text: str) -> int:
        """Writes ``text`` without its colour codes."""
        self._target.write(ANSI_ESCAPE.sub("", text))
        return len(text)

    def flush(self) -> None:
        """Flushes the target."""
        self._target.flush()

    def isatty(self) -> bool:
        """Never a terminal."""
        return False

    def writable(self) -> bool:
        """Always writable."""
        return True


def log_file_of(warehouse: Path, command: str, now: dt.datetime | None = None) -> Path:
    """The log file of one command on a warehouse: ``<warehouse>.logs/<command>-<UTC time>.log``."""
    now = now or dt.datetime.now(dt.UTC)
    return warehouse.with_name(warehouse.name + ".logs") / f"{command}-{now:%Y%m%dT%H%M%S}Z.log"


@dataclass
class Progress:
    """Prints one line per finished step of a run (and per committed landing batch): a Dagster
    event listener (``DagsterInstance.add_event_listener``)."""

    command: str
    stream: TextIO | None  # None: silent
    batch_prefix: str = ""
    _started: dict[str, float] = field(default_factory=dict)

    def line(self, text: str) -> None:
        """One progress line (nothing when silent)."""
        if self.stream is not None:
            print(f"usage-analytics {self.command}: {text}", file=self.stream, flush=True)

    def __call__(self, entry: "dg.EventLogEntry") -> None:
        """Handles one event of the run."""
        import dagster as dg

        event = entry.dagster_event
        if event is None:
            message = entry.user_message or ""
            if self.batch_prefix and message.startswith(self.batch_prefix):
                self.line(f"{entry.step_key}: {message}")
            return
        step = event.step_key
        if step is None:
            return
        if event.event_type == dg.DagsterEventType.STEP_START:
            self._started[step] = entry.timestamp
            return
        seconds = entry.timestamp - self._started.get(step, entry.timestamp)
        outcome = {
            dg.DagsterEventType.STEP_SUCCESS: f"done in {seconds:.1f}s",
            dg.DagsterEventType.STEP_FAILURE: f"FAILED after {seconds:.1f}s",
            dg.DagsterEventType.STEP_SKIPPED: "skipped",
        }.get(event.event_type)
        if outcome is not None:
            self.line(f"{step} {outcome}")


@dataclass
class CommandOutput:
    """Where one command's output goes while its run lasts (see ``command_output``)."""

    options: OutputOptions
    terminal: TextIO  # the command's own stdout: progress and summary
    log_file: Path | None  # None: the logs went to the terminal (-v)
    progress: Progress

    def report(self, summary: "RunSummary") -> None:
        """Prints the summary as the options ask."""
        summary.log_file = self.log_file
        if self.options.json:
            print(json.dumps(summary.as_dict(), default=str), file=self.terminal, flush=True)
        elif not self.options.quiet:
            print(summary.render(), file=self.terminal, flush=True)
        elif not summary.success:
            print(summary.render(), file=sys.stderr, flush=True)


@contextmanager
def command_output(
    options: OutputOptions,
    command: str,
    warehouse: Path,
    batch_prefix: str = "",
    terminal: TextIO | None = None,
) -> Iterator[CommandOutput]:
    """Routes the logs of the block (everything written to ``sys.stdout`` and ``sys.stderr``:
    dbt's log, which dagster-dbt re-prints, Dagster's console log, warnings) to a log file, or
    with ``-v`` to the terminal; colour codes are stripped wherever they may not go.

    Args:
        options: The command's output options.
        command: The command's name (progress lines and the log file's name start with it).
        warehouse: The warehouse; the log file goes beside it.
        batch_prefix: The start of the landing step's log message per committed batch.
        terminal: Where progress and summary go (default: ``sys.stdout`` as it is now).
    """
    terminal = terminal or sys.stdout
    shown = terminal if colour_allowed(terminal) else PlainText(terminal)
    progress = Progress(command, shown if options.shows_progress else None, batch_prefix)
    if options.verbose:
        saved = sys.stdout, sys.stderr
        if colour_allowed(terminal):
            sys.stdout = terminal
        else:
            sys.stdout, sys.stderr = PlainText(terminal), PlainText(sys.stderr)
        try:
            yield CommandOutput(options, terminal, None, progress)
        finally:
            sys.stdout, sys.stderr = saved
        return
    log_file = log_file_of(warehouse, command)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    _remove_old_logs(log_file.parent)
    saved = sys.stdout, sys.stderr
    with log_file.open("a", encoding="utf-8") as log:
        plain = PlainText(log)
        sys.stdout, sys.stderr = plain, plain
        try:
            yield CommandOutput(options, terminal, log_file, progress)
        finally:
            sys.stdout, sys.stderr = saved


def _remove_old_logs(folder: Path) -> None:
    """Keeps the newest ``LOG_FILES_KEPT - 1`` log files of ``folder`` (the command about to
    start writes one more)."""
    logs = sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime, reverse=True)
    for path in logs[LOG_FILES_KEPT - 1 :]:
        path.unlink(missing_ok=True)


def fail(command: str, error: object, code: int) -> int:
    """Prints a command's error as one line on stderr; returns its exit code."""
    print(f"usage-analytics {command}: {error}", file=sys.stderr)
    return code
