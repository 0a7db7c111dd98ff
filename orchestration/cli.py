"""``usage-analytics``: generate sample events, run the pipeline, forget a user."""

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.lib.settings import Settings


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
    forget.set_defaults(handler=_forget)
    return parser


def _generate(args: argparse.Namespace) -> int:
    # imported here, so that the other commands do not import the generator
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
    # Settings come from the environment; command-line paths override it for this process and
    # for the dbt subprocesses it starts. Import what reads them only after they are set.
    if args.events:
        os.environ["USAGE_ANALYTICS_EVENTS_DIR"] = str(args.events.resolve())
    if args.warehouse:
        os.environ["USAGE_ANALYTICS_WAREHOUSE"] = str(args.warehouse.resolve())
    from orchestration.lib.dbt_vars import parse_vars
    from orchestration.lib.settings import Settings

    try:
        parse_vars(args.vars)
    except ValueError as error:
        print(f"usage-analytics {command}: {error}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    if not settings.events_dir.is_dir():
        print(
            f"usage-analytics {command}: no landing folder at {settings.events_dir}",
            file=sys.stderr,
        )
        return 2
    if partitions is not None:
        problem = _partition_range_problem(settings, *partitions)
        if problem:
            print(f"usage-analytics {command}: {problem}", file=sys.stderr)
            return 2
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.export()

    from orchestration.lib.custom_dimensions import CustomDimensionError, sync_contracts
    from orchestration.lib.run import run_pipeline

    try:
        sync_contracts()
    except CustomDimensionError as error:
        print(f"usage-analytics {command}: {error}", file=sys.stderr)
        return 2
    from orchestration.lib.warehouse_lock import WarehouseBusyError, exclusive_warehouse

    try:
        with exclusive_warehouse(
            settings.warehouse_path,
            timeout_seconds=settings.lock_timeout_seconds,
            on_wait=lambda message: print(f"usage-analytics {command}: {message}", flush=True),
        ):
            summary = run_pipeline(
                settings,
                dbt_vars=args.vars,
                full_refresh=args.full_refresh,
                partitions=partitions,
            )
    except WarehouseBusyError as error:
        print(f"usage-analytics {command}: {error}", file=sys.stderr)
        return 3
    print(summary.render())
    return 0 if summary.success else 1


def _partition_range_problem(settings: "Settings", first: dt.date, last: dt.date) -> str | None:
    """Why ``first`` .. ``last`` is not a range of landing partitions (None: it is)."""
    today = dt.datetime.now(dt.UTC).date()
    if first > last:
        return f"--from {first} is after --to {last}"
    if first < settings.partitions_start:
        return (
            f"--from {first} is before the first landing partition {settings.partitions_start}"
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
    if args.warehouse:
        os.environ["USAGE_ANALYTICS_WAREHOUSE"] = str(args.warehouse.resolve())
    from orchestration.lib.dbt_vars import parse_vars
    from orchestration.lib.settings import Settings

    user_id = args.user_id.strip()
    if not user_id:
        print("usage-analytics forget: --user-id is empty", file=sys.stderr)
        return 2
    try:
        parse_vars(args.vars)
    except ValueError as error:
        print(f"usage-analytics forget: {error}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    if not settings.warehouse_path.is_file():
        print(f"usage-analytics forget: no warehouse at {settings.warehouse_path}", file=sys.stderr)
        return 2
    settings.export()

    from orchestration.lib.warehouse_lock import WarehouseBusyError, exclusive_warehouse

    try:
        with exclusive_warehouse(
            settings.warehouse_path,
            timeout_seconds=settings.lock_timeout_seconds,
            on_wait=lambda message: print(f"usage-analytics forget: {message}", flush=True),
        ):
            return _forget_locked(args, settings, user_id)
    except WarehouseBusyError as error:
        print(f"usage-analytics forget: {error}", file=sys.stderr)
        return 3


def _forget_locked(args: argparse.Namespace, settings: "Settings", user_id: str) -> int:
    """The forget itself, while this process holds the warehouse (see _forget)."""
    import duckdb

    from orchestration.lib.forget import forget_user

    con = duckdb.connect(str(settings.warehouse_path))
    try:
        result = forget_user(con, user_id, pii_salt=settings.pii_salt)
    finally:
        con.close()
    # the clear id is never printed back: the request is named by its hash
    print(
        f"usage-analytics forget: request {result.forget_request_id} for user id hash"
        f" {result.user_id_hash[:16]}…: {result.count_events_removed} event line(s) removed"
        f" from raw.events, {result.count_anonymous_ids} anonymous id(s) forgotten with it,"
        f" {result.count_quarantine_scrubbed} quarantined line(s) scrubbed,"
        f" {result.count_identities_removed} identity(ies) removed; recorded in"
        " audit.forget_requests"
    )
    if not result.found:
        print(
            "usage-analytics forget: nothing to forget: that user id is in no table of the"
            " warehouse (check the id). The request is recorded all the same, so files landed"
            " later drop the user's lines.",
            file=sys.stderr,
        )
        return 2

    from orchestration.lib.custom_dimensions import CustomDimensionError, sync_contracts
    from orchestration.lib.run import run_pipeline

    try:
        sync_contracts()
    except CustomDimensionError as error:
        print(
            f"usage-analytics forget: {error}; rebuild with `usage-analytics run`", file=sys.stderr
        )
        return 1
    # full refresh: the incremental models only see what lands, not what forget removed
    summary = run_pipeline(settings, dbt_vars=args.vars, land=False, full_refresh=True)
    summary.command = "forget"
    print(summary.render())
    if not summary.success:
        return 1
    from orchestration.lib.forget import compact_warehouse

    try:
        compact_warehouse(settings.warehouse_path)
    except duckdb.Error as error:
        print(
            f"usage-analytics forget: rebuilt, but rewriting the file failed ({error}); deleted"
            " bytes may remain in its free blocks until it is rewritten",
            file=sys.stderr,
        )
        return 1
    print("  compacted   the warehouse file was rewritten without the deleted rows' bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
