"""``usage-analytics``: the command line (its commands are in ``orchestration/commands/``, except
``generate`` and ``sync-contracts``)."""

import argparse
import datetime as dt
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from orchestration.commands import build, export, remove
from orchestration.commands.report import add_report_command
from orchestration.output import add_output_options, fail
from usage_analytics import __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script.

    Exit codes (README "Exit codes"): 0 success; 1 a blocking gate failed; 2 bad invocation or
    input, nothing run; 3 the warehouse is busy; 130 interrupted (Ctrl-C or SIGTERM). An error
    is one line on stderr.
    """
    args = _parser().parse_args(argv)  # a bad command line: one line, SystemExit(2)
    # SIGTERM stops a command as Ctrl-C does: dagster-dbt then stops its dbt child, and the
    # warehouse lock is let go (a kill -9 is covered by orchestration/dbt_launcher.py)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return fail(args.command, "interrupted", 130)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM as SIGINT: whoever handles SIGINT now (Dagster, while a step runs, forwards it to
    dbt and stops the run; otherwise Python raises KeyboardInterrupt). Dagster maps SIGTERM to
    its own SIGINT handler while it executes, to the same effect."""
    signal.raise_signal(signal.SIGINT)


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (then exit 2, as argparse
    exits), not argparse's usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _date_argument(text: str) -> dt.date:
    """A ``YYYY-MM-DD`` option value (a real calendar date)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _at_least(minimum: int) -> Callable[[str], int]:
    """An integer option type accepting ``minimum`` and above."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= {minimum}")
        return value

    return whole_number


def _share(text: str) -> float:
    """A share option value, from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share from 0 to 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="usage-analytics",
        description="Product usage analytics warehouse: Dagster + dbt on DuckDB.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)

    generate = commands.add_parser("generate", help="write a synthetic product's events")
    generate.add_argument("--out", type=Path, required=True, help="folder to write NDJSON into")
    generate.add_argument("--users", type=_at_least(1), default=2000)
    generate.add_argument("--days", type=_at_least(1), default=60)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--start", type=_date_argument, default=dt.date(2026, 1, 5))
    generate.add_argument(
        "--dirty-share",
        type=_share,
        default=0.01,
        help="share of lines that are duplicates, late or malformed (default 0.01)",
    )
    generate.add_argument("--gzip", action="store_true", help="write .ndjson.gz files")
    generate.set_defaults(handler=_generate)

    run = commands.add_parser("run", help="land new files, build and test every model")
    run.add_argument("--events", type=Path, help="landing folder (default: bundled sample)")
    run.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    _builds(run, build.run, "dbt vars, YAML: '{session_timeout_minutes: 45}'")

    backfill = commands.add_parser(
        "backfill",
        help="land the files of a range of arrival dates (daily partitions), then build once",
    )
    backfill.add_argument(
        "--from", dest="first", type=_date_argument, required=True, help="YYYY-MM-DD"
    )
    backfill.add_argument(
        "--to", dest="last", type=_date_argument, required=True, help="YYYY-MM-DD"
    )
    backfill.add_argument("--events", type=Path, help="landing folder (default: bundled sample)")
    backfill.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    _builds(backfill, build.backfill, "dbt vars, YAML")

    forget = commands.add_parser(
        "forget", help="remove one user's events from every layer and rebuild what depends on them"
    )
    forget.add_argument("--user-id", required=True, help="the user id, as sent in the events")
    _builds(forget, remove.forget, "dbt vars of the rebuild (the ones your runs use)")

    quarantine = commands.add_parser(
        "quarantine",
        help="move landed events to audit.quarantine by event id and rebuild (the remedy for"
        " a landed line that fails a blocking gate on every run)",
    )
    quarantine.add_argument(
        "--event-id",
        dest="event_ids",
        action="append",
        required=True,
        help="the event id, as landed (repeat for several)",
    )
    _builds(quarantine, remove.quarantine, "dbt vars of the rebuild (the ones your runs use)")

    add_report_command(commands)

    exporting = commands.add_parser(
        "export", help="write the published marts of the serving copy as files (one per mart)"
    )
    exporting.add_argument(
        "--format", choices=export.EXPORT_FORMATS, default="parquet", help="file format"
    )
    exporting.add_argument("--out", type=Path, required=True, help="folder to write the files in")
    exporting.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file whose serving copy is exported (default data/warehouse.duckdb)",
    )
    exporting.set_defaults(handler=export.export)

    contracts = commands.add_parser(
        "sync-contracts",
        help="write the custom dimensions of seeds/custom_dimensions.csv into the mart contracts"
        " (run and forget do it first)",
    )
    contracts.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when a contract is stale"
    )
    contracts.set_defaults(handler=_sync_contracts)
    return parser


def _builds(
    command: argparse.ArgumentParser,
    handler: Callable[[argparse.Namespace], int],
    vars_help: str,
) -> None:
    """The options of a command that builds the warehouse (``--warehouse``, ``--vars``, the
    output options), and its handler."""
    command.add_argument(
        "--warehouse", type=Path, help="DuckDB file (default data/warehouse.duckdb)"
    )
    command.add_argument("--vars", default="", help=vars_help)
    command.add_argument(
        "--target",
        help="dbt target of dbt_project/profiles.yml the build runs on: duckdb (default) or"
        " spark, a local Spark session (docs/spark.md)",
    )
    add_output_options(command)
    command.set_defaults(handler=handler)


def _generate(args: argparse.Namespace) -> int:
    from event_generator import generate_events

    started = time.perf_counter()
    try:
        summary = generate_events(
            args.out,
            users=args.users,
            days=args.days,
            seed=args.seed,
            start=args.start,
            dirty_share=args.dirty_share,
            gzip=args.gzip,
        )
    except OSError as error:
        where = error.filename or args.out
        return fail("generate", f"cannot write into --out {str(where)!r}: {error.strerror}", 2)
    print(
        f"generated {summary.count_events:,} events of {summary.count_users:,} users"
        f" ({summary.first_date} .. {summary.last_date}) in {summary.count_files} files"
        f" under {summary.out_dir}; dirty: {summary.count_duplicates:,} re-sent copies,"
        f" {summary.count_late:,} late, {summary.count_malformed:,} malformed lines;"
        f" {time.perf_counter() - started:.1f}s"
    )
    return 0


def _sync_contracts(args: argparse.Namespace) -> int:
    """Writes (or, with ``--check``, compares) the custom dimension blocks of the mart YAMLs.

    Exit codes: 0 in sync (or written); 1 ``--check`` found a stale contract; 2 a bad seed row.
    """
    from usage_analytics.custom_dimensions import CustomDimensionError, sync_contracts

    try:
        changed = sync_contracts(write=not args.check)
    except CustomDimensionError as error:
        return fail("sync-contracts", error, 2)
    for path in changed:
        verb = "is out of date" if args.check else "written"
        print(f"usage-analytics sync-contracts: {path} {verb}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
