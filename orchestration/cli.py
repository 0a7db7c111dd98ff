"""``usage-analytics``: generate sample events, run the pipeline, forget a user, quarantine a
landed event."""

import argparse
import datetime as dt
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from orchestration.output import OutputOptions, add_output_options
from usage_analytics import __version__

if TYPE_CHECKING:  # imported where used: `generate` and `--version` need none of Dagster
    from orchestration.defs.resources import DbtBuild, Landing, Warehouse
    from orchestration.summary import RunSummary


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
        return _fail(args.command, "interrupted", 130)
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
    run.add_argument("--warehouse", type=Path, help="DuckDB file (default data/warehouse.duckdb)")
    run.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    run.add_argument("--vars", default="", help="dbt vars, YAML: '{session_timeout_minutes: 45}'")
    add_output_options(run)
    run.set_defaults(handler=_run)

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
    backfill.add_argument(
        "--warehouse", type=Path, help="DuckDB file (default data/warehouse.duckdb)"
    )
    backfill.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    backfill.add_argument("--vars", default="", help="dbt vars, YAML")
    add_output_options(backfill)
    backfill.set_defaults(handler=_backfill)

    forget = commands.add_parser(
        "forget", help="remove one user's events from every layer and rebuild what depends on them"
    )
    forget.add_argument("--user-id", required=True, help="the user id, as sent in the events")
    forget.add_argument(
        "--warehouse", type=Path, help="DuckDB file (default data/warehouse.duckdb)"
    )
    forget.add_argument(
        "--vars", default="", help="dbt vars of the rebuild (the ones your runs use)"
    )
    add_output_options(forget)
    forget.set_defaults(handler=_forget)

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
    quarantine.add_argument(
        "--warehouse", type=Path, help="DuckDB file (default data/warehouse.duckdb)"
    )
    quarantine.add_argument(
        "--vars", default="", help="dbt vars of the rebuild (the ones your runs use)"
    )
    add_output_options(quarantine)
    quarantine.set_defaults(handler=_quarantine)

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
        return _fail("generate", f"cannot write into --out {str(where)!r}: {error.strerror}", 2)
    print(
        f"generated {summary.count_events:,} events of {summary.count_users:,} users"
        f" ({summary.first_date} .. {summary.last_date}) in {summary.count_files} files"
        f" under {summary.out_dir}; dirty: {summary.count_duplicates:,} re-sent copies,"
        f" {summary.count_late:,} late, {summary.count_malformed:,} malformed lines;"
        f" {time.perf_counter() - started:.1f}s"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    return _land_and_build(args, "run")


def _backfill(args: argparse.Namespace) -> int:
    """Lands the arrival dates ``--from`` .. ``--to`` (daily landing partitions) in one run.

    Exit codes as ``run``; 2 also for a range outside the partitions (before
    USAGE_ANALYTICS_PARTITIONS_START or after today) or reversed.
    """
    return _land_and_build(args, "backfill", partitions=(args.first, args.last))


def _land_and_build(
    args: argparse.Namespace, command: str, partitions: tuple[dt.date, dt.date] | None = None
) -> int:
    """``run`` and ``backfill``: land (all new files, or a range of arrival dates) and build,
    in this process, holding the warehouse lock."""
    from orchestration.defs.resources import Landing, Scheduling, from_env
    from usage_analytics.landing.rules import read_personal_keys
    from usage_analytics.paths import SEEDS_DIR

    try:
        resources = _command_resources(args)
        landing = from_env("landing", Landing, **_path_option("events_dir", args.events))
        partitions_start = from_env("scheduling", Scheduling).partitions_start
        read_personal_keys(SEEDS_DIR / "personal_keys.csv")  # a bad seed row stops here
    except ValueError as error:
        return _fail(command, error, 2)
    if not landing.folder.is_dir():
        return _fail(command, f"no landing folder at {str(landing.folder)!r}", 2)
    problem = _no_events_problem(landing.folder, resources[0].path) or _warehouse_problem(
        resources[0].path
    )
    if problem:
        return _fail(command, problem, 2)
    if partitions is not None:
        problem = _partition_range_problem(partitions_start, *partitions)
        if problem:
            return _fail(command, problem, 2)
    if not _contracts_synced(command):
        return 2
    return _locked(
        command,
        resources,
        landing,
        OutputOptions.of(args),
        full_refresh=args.full_refresh,
        partitions=partitions,
    )


def _command_resources(args: argparse.Namespace) -> tuple["Warehouse", "DbtBuild"]:
    """The warehouse and the dbt build of a command: its options over the environment.

    Raises:
        ValueError: A var, a setting or a seed row is invalid (one line naming it).
    """
    from orchestration.defs.resources import Commands, DbtBuild, Warehouse, from_env
    from usage_analytics.analyst_inputs import check_analyst_inputs
    from usage_analytics.dbt_vars import effective_vars

    check_analyst_inputs()  # the tracking plan first: signup_event must be one of its events
    effective_vars(args.vars)  # the clearest message for an unknown or invalid var
    from_env("commands", Commands)  # USAGE_ANALYTICS_EPHEMERAL_INSTANCE, checked before the run
    warehouse = from_env("warehouse", Warehouse, **_path_option("database", args.warehouse))
    return warehouse, from_env("dbt_build", DbtBuild, dbt_vars=args.vars)


def _path_option(field: str, path: Path | None) -> dict[str, str]:
    return {} if path is None else {field: str(path.expanduser().resolve())}


def _warehouse_problem(path: Path) -> str | None:
    """Why the warehouse file cannot be written (None: it can), creating its folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create the warehouse folder {str(path.parent)!r}: {error.strerror}"
    if path.is_dir():
        return f"the warehouse {str(path)!r} is a folder, not a DuckDB file"
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK) or (
        not path.exists() and not os.access(path.parent, os.X_OK)
    ):
        return f"cannot write the warehouse {str(path)!r}: permission denied on {str(target)!r}"
    return None


def _no_events_problem(folder: Path, warehouse: Path) -> str | None:
    """Why nothing can land (None: something can): the landing folder holds no event file and
    there is no warehouse yet, so a first run would only fail a not-null test far downstream.
    With a warehouse, a folder with nothing new is a normal run."""
    from usage_analytics.landing.files import LANDING_SUFFIXES

    for _, _, names in os.walk(folder):
        if any(name.lower().endswith(LANDING_SUFFIXES) for name in names):
            return None
    if warehouse.is_file() and warehouse.stat().st_size > 0:
        return None  # an incremental run with nothing new: the marts stay as they are
    suffixes = ", ".join(f"*{suffix}" for suffix in LANDING_SUFFIXES)
    return f"no events landed: {str(folder)!r} holds no event files ({suffixes})"


def _contracts_synced(command: str) -> bool:
    """Writes the custom dimensions into the mart contracts; False (and says why) on a bad row."""
    from usage_analytics.custom_dimensions import CustomDimensionError, sync_contracts

    try:
        sync_contracts()
    except CustomDimensionError as error:
        _fail(command, error, 2)
        return False
    return True


def _locked(
    command: str,
    resources: tuple["Warehouse", "DbtBuild"],
    landing: "Landing",
    output: OutputOptions,
    **options: Any,
) -> int:
    """Runs the pipeline while holding the warehouse lock; prints the summary."""
    from usage_analytics.warehouse.lock import WarehouseBusyError, exclusive_warehouse

    warehouse, dbt_build = resources
    try:
        with exclusive_warehouse(
            warehouse.path,
            timeout_seconds=warehouse.lock_timeout_seconds,
            on_wait=output.waiting(command),
        ):
            summary = _run_with_output(command, output, warehouse, dbt_build, landing, **options)
    except WarehouseBusyError as error:
        return _fail(command, error, 3)
    return _exit_code(command, summary)


# how a step stopped by Ctrl-C or SIGTERM fails (Dagster forwards the signal to dbt)
_INTERRUPTED = "DagsterExecutionInterruptedError"


def _exit_code(command: str, summary: "RunSummary") -> int:
    """0 when the run published, 130 when Ctrl-C or SIGTERM stopped it, else 1."""
    if any(_INTERRUPTED in step for step in summary.steps_failed):
        return _fail(command, "interrupted (Ctrl-C or SIGTERM)", 130)
    return 0 if summary.success else 1


def _run_with_output(
    command: str,
    output: OutputOptions,
    warehouse: "Warehouse",
    dbt_build: "DbtBuild",
    landing: "Landing | None",
    **options: Any,
) -> "RunSummary":
    """Runs the pipeline with its logs in the log file (or on the terminal with ``-v``), one
    progress line per step, then prints the summary as ``output`` asks."""
    from orchestration.defs.landing.assets import BATCH_PROGRESS_PREFIX
    from orchestration.output import command_output
    from orchestration.run import run_pipeline

    with command_output(output, command, warehouse.path, BATCH_PROGRESS_PREFIX) as printed:
        summary = run_pipeline(warehouse, dbt_build, landing, on_event=printed.progress, **options)
    summary.command = command
    printed.report(summary)
    return summary


def _fail(command: str, error: object, code: int) -> int:
    print(f"usage-analytics {command}: {error}", file=sys.stderr)
    return code


def _partition_range_problem(start: dt.date, first: dt.date, last: dt.date) -> str | None:
    """Why ``first`` .. ``last`` is not a range of landing partitions (None: it is)."""
    today = dt.datetime.now(dt.UTC).date()
    if first > last:
        return f"--from {first} is after --to {last}"
    if first < start:
        return (
            f"--from {first} is before the first landing partition {start}"
            " (USAGE_ANALYTICS_PARTITIONS_START); files that arrived earlier belong to it"
        )
    if last > today:
        return f"--to {last} is after today's partition {today}"
    return None


def _forget(args: argparse.Namespace) -> int:
    """Forgets one user, then rebuilds every dbt model from the raw layer (no landing).

    Exit codes: 0 forgotten and rebuilt; 1 forgotten but the rebuild failed (run
    ``usage-analytics run`` again); 2 nothing done (bad arguments, no warehouse) or no trace
    of the user id (the request is still recorded, so that files landed later drop its lines);
    3 the warehouse is busy.
    """
    from orchestration.defs.resources import Landing, from_env, value_of

    user_id = args.user_id.strip()
    if not user_id:
        return _fail("forget", "--user-id is empty", 2)
    try:
        salt = value_of(from_env("landing", Landing).pii_salt)
    except ValueError as error:
        return _fail("forget", error, 2)
    return _on_warehouse(
        "forget", args, lambda *held: _forget_locked(*held, salt=salt, user_id=user_id)
    )


def _quarantine(args: argparse.Namespace) -> int:
    """Moves landed events (every copy of the ids) to audit.quarantine, then rebuilds every dbt
    model from the raw layer (no landing), which publishes once the gates pass.

    Exit codes: 0 moved and published; 1 moved, but a gate or the rebuild failed; 2 nothing
    done (no id, no warehouse, or none of the ids is landed); 3 the warehouse is busy.
    """
    if not any(event_id.strip() for event_id in args.event_ids):
        return _fail("quarantine", "--event-id is empty", 2)
    return _on_warehouse(
        "quarantine", args, lambda *held: _quarantine_locked(*held, event_ids=args.event_ids)
    )


def _on_warehouse(
    command: str,
    args: argparse.Namespace,
    body: Callable[["Warehouse", "DbtBuild", OutputOptions], int],
) -> int:
    """Runs ``body`` on the existing warehouse of the command's options while holding it."""
    from usage_analytics.warehouse.lock import WarehouseBusyError, exclusive_warehouse

    try:
        warehouse, dbt_build = _command_resources(args)
    except ValueError as error:
        return _fail(command, error, 2)
    if not warehouse.path.is_file():
        return _fail(command, f"no warehouse at {warehouse.path}", 2)
    output = OutputOptions.of(args)
    try:
        with exclusive_warehouse(
            warehouse.path,
            timeout_seconds=warehouse.lock_timeout_seconds,
            on_wait=output.waiting(command),
        ):
            return body(warehouse, dbt_build, output)
    except WarehouseBusyError as error:
        return _fail(command, error, 3)


def _rebuild(
    command: str, warehouse: "Warehouse", dbt_build: "DbtBuild", output: OutputOptions
) -> int:
    """Rebuilds every model in full from the raw layer (the incremental models see only what
    lands, not what a command removed), which publishes once the gates pass."""
    if not _contracts_synced(command):
        print(f"usage-analytics {command}: rebuild with `usage-analytics run`", file=sys.stderr)
        return 1
    summary = _run_with_output(command, output, warehouse, dbt_build, None, full_refresh=True)
    return _exit_code(command, summary)


def _forget_locked(
    warehouse: "Warehouse",
    dbt_build: "DbtBuild",
    output: OutputOptions,
    *,
    salt: str,
    user_id: str,
) -> int:
    """The forget itself, while this process holds the warehouse (see _forget)."""
    import duckdb

    from usage_analytics.privacy.forget import compact_warehouse, forget_user

    con = duckdb.connect(str(warehouse.path))
    try:
        result = forget_user(con, user_id, pii_salt=salt)
    finally:
        con.close()
    # the clear id is never printed back: the request is named by its hash
    output.say(
        f"usage-analytics forget: request {result.forget_request_id} for user id hash"
        f" {result.user_id_hash[:16]}…: {result.count_events_removed} event line(s) removed"
        f" from raw.events, {result.count_anonymous_ids} anonymous id(s) forgotten with it,"
        f" {result.count_quarantine_scrubbed} quarantined line(s) scrubbed,"
        f" {result.count_identities_removed} identity(ies) removed; recorded in"
        " audit.forget_requests"
    )
    if not result.found:
        return _fail(
            "forget",
            "nothing to forget: that user id is in no table of the warehouse (check the id)."
            " The request is recorded all the same, so files landed later drop the user's lines.",
            2,
        )
    code = _rebuild("forget", warehouse, dbt_build, output)
    if code:
        return code
    try:
        compact_warehouse(warehouse.path)
    except duckdb.Error as error:
        return _fail(
            "forget",
            f"rebuilt, but rewriting the file failed ({error}); deleted bytes may remain in its"
            " free blocks until it is rewritten",
            1,
        )
    output.say("  compacted   the warehouse file was rewritten without the deleted rows' bytes")
    return 0


def _quarantine_locked(
    warehouse: "Warehouse", dbt_build: "DbtBuild", output: OutputOptions, *, event_ids: list[str]
) -> int:
    """The quarantine itself, while this process holds the warehouse (see _quarantine)."""
    import duckdb

    from usage_analytics.landing.operator_quarantine import OPERATOR_REASON, quarantine_events

    con = duckdb.connect(str(warehouse.path))
    try:
        result = quarantine_events(con, event_ids)
    finally:
        con.close()
    if not result.count_lines_moved:
        missing = ", ".join(result.event_ids_not_found)
        return _fail("quarantine", f"no landed event has the id(s) {missing}: nothing moved", 2)
    not_found = (
        f"; not landed: {', '.join(result.event_ids_not_found)}"
        if result.event_ids_not_found
        else ""
    )
    output.say(
        f"usage-analytics quarantine: {result.count_lines_moved} landed line(s) moved from"
        f" raw.events to audit.quarantine (reason {OPERATOR_REASON}){not_found}"
    )
    return _rebuild("quarantine", warehouse, dbt_build, output)


def _sync_contracts(args: argparse.Namespace) -> int:
    """Writes (or, with ``--check``, compares) the custom dimension blocks of the mart YAMLs.

    Exit codes: 0 in sync (or written); 1 ``--check`` found a stale contract; 2 a bad seed row.
    """
    from usage_analytics.custom_dimensions import CustomDimensionError, sync_contracts

    try:
        changed = sync_contracts(write=not args.check)
    except CustomDimensionError as error:
        return _fail("sync-contracts", error, 2)
    for path in changed:
        verb = "is out of date" if args.check else "written"
        print(f"usage-analytics sync-contracts: {path} {verb}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
