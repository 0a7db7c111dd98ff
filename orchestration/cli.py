"""``usage-analytics``: generate sample events, run the pipeline, forget a user."""

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.output import OutputOptions, add_output_options
from usage_analytics import __version__

if TYPE_CHECKING:  # imported where used: `generate` and `--version` need none of Dagster
    from orchestration.defs.resources import DbtBuild, Landing, Warehouse
    from orchestration.summary import RunSummary


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    return int(args.handler(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="usage-analytics",
        description="Product usage analytics warehouse: Dagster + dbt on DuckDB.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a synthetic product's events")
    generate.add_argument("--out", type=Path, required=True, help="folder to write NDJSON into")
    generate.add_argument("--users", type=int, default=2000)
    generate.add_argument("--days", type=int, default=60)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 1, 5))
    generate.add_argument(
        "--dirty-share",
        type=float,
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
        "--from", dest="first", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD"
    )
    backfill.add_argument(
        "--to", dest="last", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD"
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
    summary = generate_events(
        args.out,
        users=args.users,
        days=args.days,
        seed=args.seed,
        start=args.start,
        dirty_share=args.dirty_share,
        gzip=args.gzip,
    )
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

    try:
        resources = _command_resources(args)
        landing = from_env("landing", Landing, **_path_option("events_dir", args.events))
        partitions_start = from_env("scheduling", Scheduling).partitions_start
    except ValueError as error:
        return _fail(command, error, 2)
    if not landing.folder.is_dir():
        return _fail(command, f"no landing folder at {landing.folder}", 2)
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
        ValueError: A var or a setting is invalid (one line naming it).
    """
    from orchestration.defs.resources import Commands, DbtBuild, Warehouse, from_env
    from usage_analytics.dbt_vars import parse_vars

    parse_vars(args.vars)  # the clearest message for an unknown or invalid var
    from_env("commands", Commands)  # USAGE_ANALYTICS_EPHEMERAL_INSTANCE, checked before the run
    warehouse = from_env("warehouse", Warehouse, **_path_option("database", args.warehouse))
    return warehouse, from_env("dbt_build", DbtBuild, dbt_vars=args.vars)


def _path_option(field: str, path: Path | None) -> dict[str, str]:
    return {} if path is None else {field: str(path.expanduser().resolve())}


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
    warehouse.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with exclusive_warehouse(
            warehouse.path,
            timeout_seconds=warehouse.lock_timeout_seconds,
            on_wait=output.waiting(command),
        ):
            summary = _run_with_output(command, output, warehouse, dbt_build, landing, **options)
    except WarehouseBusyError as error:
        return _fail(command, error, 3)
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
    of the user id (the request is still recorded, so that files landed later drop its lines).
    """
    from orchestration.defs.resources import Landing, from_env, value_of
    from usage_analytics.warehouse.lock import WarehouseBusyError, exclusive_warehouse

    user_id = args.user_id.strip()
    if not user_id:
        return _fail("forget", "--user-id is empty", 2)
    try:
        warehouse, dbt_build = _command_resources(args)
        salt = value_of(from_env("landing", Landing).pii_salt)
    except ValueError as error:
        return _fail("forget", error, 2)
    if not warehouse.path.is_file():
        return _fail("forget", f"no warehouse at {warehouse.path}", 2)
    try:
        with exclusive_warehouse(
            warehouse.path,
            timeout_seconds=warehouse.lock_timeout_seconds,
            on_wait=OutputOptions.of(args).waiting("forget"),
        ):
            return _forget_locked(warehouse, dbt_build, salt, user_id, OutputOptions.of(args))
    except WarehouseBusyError as error:
        return _fail("forget", error, 3)


def _forget_locked(
    warehouse: "Warehouse", dbt_build: "DbtBuild", salt: str, user_id: str, output: OutputOptions
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
    say = print if output.shows_progress else _silent
    say(
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
    if not _contracts_synced("forget"):
        print("usage-analytics forget: rebuild with `usage-analytics run`", file=sys.stderr)
        return 1
    # full refresh: the incremental models only see what lands, not what forget removed
    summary = _run_with_output("forget", output, warehouse, dbt_build, None, full_refresh=True)
    if not summary.success:
        return 1
    try:
        compact_warehouse(warehouse.path)
    except duckdb.Error as error:
        return _fail(
            "forget",
            f"rebuilt, but rewriting the file failed ({error}); deleted bytes may remain in its"
            " free blocks until it is rewritten",
            1,
        )
    say("  compacted   the warehouse file was rewritten without the deleted rows' bytes")
    return 0


def _silent(*_: object) -> None:
    """``print`` for ``--quiet`` and ``--json``."""


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
