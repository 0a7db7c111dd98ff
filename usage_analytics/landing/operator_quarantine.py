"""Moving landed events to the quarantine: ``usage-analytics quarantine --event-id ID``.

The remedy for a landed line that a blocking gate rejects on every run. A landing batch stays
pending until a publication includes it, so one bad line would block publication for good;
landing quarantines what the landing gate's line expectations reject, but a line landed by an
older version, or a threshold tightened since, can still fail. Whatever ids the line carries
(only an ``anonymous_id``, say, which ``forget`` cannot name), its ``event_id`` names it.

In one transaction, every copy of the given event ids leaves ``raw.events`` and becomes an
``audit.quarantine`` row with the reason ``quarantined_by_operator``, its file and line number,
the landed row as JSON in ``raw_line`` (personal data hashed, as landed) and
``removed_from_raw_at`` set, so every landed file still reconciles (lines = loaded + duplicates
+ quarantined). The command then rebuilds the models from the raw layer, like ``forget``.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from usage_analytics.warehouse.schema import ensure_schema

OPERATOR_REASON = "quarantined_by_operator"


@dataclass(frozen=True)
class QuarantinedEvents:
    """What one ``quarantine`` moved."""

    count_lines_moved: int  # copies of the events moved from raw.events
    event_ids_not_found: list[str]  # ids without a row in raw.events


def quarantine_events(
    con: duckdb.DuckDBPyConnection, event_ids: Sequence[str], *, now: dt.datetime | None = None
) -> QuarantinedEvents:
    """Moves every landed copy of ``event_ids`` from ``raw.events`` to ``audit.quarantine``.

    Args:
        con: A read-write connection to the warehouse.
        event_ids: The event ids, as landed (surrounding white space is ignored, as at
            landing).
        now: When (default: the current UTC time).

    Returns:
        How many lines moved, and which ids were not found.
    """
    ids = sorted({event_id.strip() for event_id in event_ids if event_id.strip()})
    if not ids:
        raise ValueError("no event id given")
    moved_at = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    con.execute("set TimeZone = 'UTC'")
    ensure_schema(con)
    try:
        con.execute("begin transaction")
        con.execute(
            """
            insert into audit.quarantine (
                load_id, file_path, line_number, reason, raw_line, quarantined_at,
                removed_from_raw_at
            )
            select
                events.load_id, events.file_path, events.line_number, $reason,
                cast(to_json(events) as varchar), $now, $now
            from raw.events as events
            where list_contains($ids, events.event_id)
            order by events.file_path, events.line_number
            """,
            {"reason": OPERATOR_REASON, "now": moved_at, "ids": ids},
        )
        found = {
            row[0]
            for row in con.execute(
                "select distinct event_id from raw.events where list_contains($1, event_id)",
                [ids],
            ).fetchall()
        }
        ((moved,),) = con.execute(
            "delete from raw.events where list_contains($1, event_id)", [ids]
        ).fetchall()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("checkpoint")
    return QuarantinedEvents(
        count_lines_moved=moved,
        event_ids_not_found=[event_id for event_id in ids if event_id not in found],
    )
