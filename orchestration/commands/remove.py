"""``forget`` and ``quarantine``: take data out of the warehouse, then rebuild every model from
the raw layer."""

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from orchestration.commands.build import (
    command_resources,
    contracts_synced,
    exit_code,
    run_with_output,
)
from orchestration.output import OutputOptions, fail

if TYPE_CHECKING:  # imported where used: `--help` needs none of Dagster
    from orchestration.defs.resources import DbtBuild, Warehouse


def forget(args: argparse.Namespace) -> int:
    """Forgets one user, then rebuilds every dbt model from the raw layer (no landing).

    Exit codes: 0 forgotten and rebuilt; 1 forgotten but the rebuild failed (run
    ``usage-analytics run`` again); 2 nothing done (bad arguments, no warehouse) or no trace
    of the user id (the request is still recorded, so that files landed later drop its lines);
    3 the warehouse is busy.
    """
    from orchestration.defs.resources import Landing, from_env, value_of

    user_id = args.user_id.strip()
    if not user_id:
        return fail("forget", "--user-id is empty", 2)
    try:
        salt = value_of(from_env("landing", Landing).pii_salt)
    except ValueError as error:
        return fail("forget", error, 2)
    return _on_warehouse(
        "forget", args, lambda *held: _forget_locked(*held, salt=salt, user_id=user_id)
    )


def quarantine(args: argparse.Namespace) -> int:
    """Moves landed events (every copy of the ids) to audit.quarantine, then rebuilds every dbt
    model from the raw layer (no landing), which publishes once the gates pass.

    Exit codes: 0 moved and published; 1 moved, but a gate or the rebuild failed; 2 nothing
    done (no id, no warehouse, or none of the ids is landed); 3 the warehouse is busy.
    """
    if not any(event_id.strip() for event_id in args.event_ids):
        return fail("quarantine", "--event-id is empty", 2)
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
        warehouse, dbt_build = command_resources(args)
    except ValueError as error:
        return fail(command, error, 2)
    if not warehouse.path.is_file():
        return fail(command, f"no warehouse at {warehouse.path}", 2)
    output = OutputOptions.of(args)
    try:
        with exclusive_warehouse(
            warehouse.path,
            timeout_seconds=warehouse.lock_timeout_seconds,
            on_wait=output.waiting(command),
        ):
            return body(warehouse, dbt_build, output)
    except WarehouseBusyError as error:
        return fail(command, error, 3)


def _rebuild(
    command: str, warehouse: "Warehouse", dbt_build: "DbtBuild", output: OutputOptions
) -> int:
    """Rebuilds every model in full from the raw layer (the incremental models see only what
    lands, not what a command removed), which publishes once the gates pass."""
    if not contracts_synced(command):
        print(f"usage-analytics {command}: rebuild with `usage-analytics run`", file=sys.stderr)
        return 1
    summary = run_with_output(command, output, warehouse, dbt_build, None, full_refresh=True)
    return exit_code(command, summary)


def _forget_locked(
    warehouse: "Warehouse",
    dbt_build: "DbtBuild",
    output: OutputOptions,
    *,
    salt: str,
    user_id: str,
) -> int:
    """The forget itself, while this process holds the warehouse (see forget)."""
    import duckdb

    from usage_analytics.privacy.forget import compact_warehouse, forget_user

    con = duckdb.connect(str(warehouse.path), config=warehouse.engine.duckdb_config(warehouse.path))
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
        return fail(
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
        return fail(
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
    """The quarantine itself, while this process holds the warehouse (see quarantine)."""
    import duckdb

    from usage_analytics.landing.operator_quarantine import OPERATOR_REASON, quarantine_events

    con = duckdb.connect(str(warehouse.path), config=warehouse.engine.duckdb_config(warehouse.path))
    try:
        result = quarantine_events(con, event_ids)
    finally:
        con.close()
    if not result.count_lines_moved:
        missing = ", ".join(result.event_ids_not_found)
        return fail("quarantine", f"no landed event has the id(s) {missing}: nothing moved", 2)
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
