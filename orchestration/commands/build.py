"""``run`` and ``backfill``: land and build in this process, holding the warehouse; and what
every command that builds shares (its resources, the checks made before anything runs, the
output and the exit code)."""

import argparse
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.output import OutputOptions, fail

if TYPE_CHECKING:  # imported where used: `--help` needs none of Dagster
    from orchestration.defs.resources import DbtBuild, Landing, Warehouse
    from orchestration.summary import RunSummary


def run(args: argparse.Namespace) -> int:
    """Lands the folder's new files and builds, checks and publishes everything."""
    return _land_and_build(args, "run")


def backfill(args: argparse.Namespace) -> int:
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
        resources = command_resources(args)
        landing = from_env("landing", Landing, **path_option("events_dir", args.events))
        partitions_start = from_env("scheduling", Scheduling).partitions_start
    except ValueError as error:
        return fail(command, error, 2)
    if not landing.folder.is_dir():
        return fail(command, f"no landing folder at {str(landing.folder)!r}", 2)
    problem = _no_events_problem(landing.folder, resources[0].path) or _warehouse_problem(
        resources[0].path
    )
    if problem:
        return fail(command, problem, 2)
    if partitions is not None:
        problem = _partition_range_problem(partitions_start, *partitions)
        if problem:
            return fail(command, problem, 2)
    if not contracts_synced(command):
        return 2
    return _locked(
        command,
        resources,
        landing,
        OutputOptions.of(args),
        full_refresh=args.full_refresh,
        partitions=partitions,
    )


def command_resources(args: argparse.Namespace) -> tuple["Warehouse", "DbtBuild"]:
    """The warehouse and the dbt build of a command: its options over the environment.

    Raises:
        ValueError: A var, a setting or a seed row is invalid (one line naming it).
    """
    from orchestration.defs.resources import Commands, DbtBuild, Warehouse, from_env
    from usage_analytics.analyst_inputs import check_analyst_inputs
    from usage_analytics.dbt_vars import effective_vars
    from usage_analytics.spark.runtime import missing_requirement

    check_analyst_inputs()  # the tracking plan first: signup_event must be one of its events
    effective_vars(args.vars)  # the clearest message for an unknown or invalid var
    from_env("commands", Commands)  # USAGE_ANALYTICS_EPHEMERAL_INSTANCE, checked before the run
    warehouse = from_env("warehouse", Warehouse, **path_option("database", args.warehouse))
    target = {"target": args.target} if args.target else {}
    dbt_build = from_env("dbt_build", DbtBuild, dbt_vars=args.vars, **target)
    if dbt_build.engine == "spark":
        problem = missing_requirement()
        if problem:
            raise ValueError(problem)
    return warehouse, dbt_build


def path_option(field: str, path: Path | None) -> dict[str, str]:
    """A resource field set from a path option, absolute (nothing when the option is absent)."""
    return {} if path is None else {field: str(path.expanduser().resolve())}


def _warehouse_problem(path: Path) -> str | None:
    """Why the warehouse file cannot be written (None: it can), creating its folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create the warehouse folder {str(path.parent)!r}: {error.strerror}"
    if path.is_dir():
        return f"the warehouse {str(path)!r} is a folder, not a DuckDB file"
    try:  # tried, not asked (os.access): root passes any permission check, not /proc or a
        # read-only mount
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.probe-"):
            pass
        if path.exists():
            with open(path, "r+b"):
                pass
    except OSError as error:
        return f"cannot write the warehouse {str(path)!r}: {error.strerror}"
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


def contracts_synced(command: str) -> bool:
    """Writes the custom dimensions into the mart contracts; False (and says why) on a bad row."""
    from usage_analytics.custom_dimensions import CustomDimensionError, sync_contracts

    try:
        sync_contracts()
    except CustomDimensionError as error:
        fail(command, error, 2)
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
            summary = run_with_output(command, output, warehouse, dbt_build, landing, **options)
    except WarehouseBusyError as error:
        return fail(command, error, 3)
    return exit_code(command, summary)


# how a step stopped by Ctrl-C or SIGTERM fails (Dagster forwards the signal to dbt)
_INTERRUPTED = "DagsterExecutionInterruptedError"


def exit_code(command: str, summary: "RunSummary") -> int:
    """0 when the run published, 130 when Ctrl-C or SIGTERM stopped it, else 1."""
    if any(_INTERRUPTED in step for step in summary.steps_failed):
        return fail(command, "interrupted (Ctrl-C or SIGTERM)", 130)
    return 0 if summary.success else 1


def run_with_output(
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
