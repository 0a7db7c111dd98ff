"""Landing suites: the lines of the pending landing batches (``load_id``s).

A batch is pending until a publication of the marts includes it (``audit.publications``), so a
batch whose gate failed, or whose run died before the gate, is validated again by every later
run instead of slipping into the marts unchecked.

The records (``BATCH_FRAME_SQL``, validated where they are, in DuckDB) have one row per line of
those batches: the valid lines from ``raw.events`` and the quarantined lines from
``audit.quarantine`` (``is_quarantined = 1``, other columns null), so that shares are taken over
the whole batch.

The duplicate rate of the pending lines is 1 - distinct event ids / valid lines: the mean of
``is_duplicate_event_id``, 1 on every valid line but the first received of its event id among
the pending lines. Copies of an id landed in an earlier, published batch do not count (Segment
re-sends events after a retry, so copies across batches are normal and dbt keeps the first); an
abnormal share of copies within what is pending (400 lines carrying 4 ids) is a broken sender.
"""

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

KNOWN_EVENT_TYPES = ("track", "page", "screen", "identify")
REQUIRED_COLUMNS = ("event_id", "event_type", "event_name", "user_or_anonymous_id", "event_at")
MAX_SECONDS_AFTER_RECEIVED = 86_400  # CONTRACT §1: at most 1 day after received_at

# $1 = the pending load_ids (a list), $2 = the tracking plan's event names (a list).
# Only the lines of an event id that occurs more than once are numbered (a window over all the
# pending lines sorted every line with its columns: most of the gate's time at 10M lines); the
# numbers join back by rowid, and a line without one is its event id's only line.
BATCH_FRAME_SQL = """
with

event_ids_copied as (

    select event_id
    from raw.events
    where list_contains($1, load_id)
    group by event_id
    having count(*) > 1

),

copies_numbered as (

    select
        rowid as event_row,
        row_number() over (
            partition by event_id order by received_at, file_path, line_number
        ) as copy_number
    from raw.events
    where
        list_contains($1, load_id)
        and event_id in (select event_ids_copied.event_id from event_ids_copied)

)

select
    events.load_id,
    events.event_id,
    events.event_type,
    events.event_name,
    coalesce(events.user_id, events.anonymous_id) as user_or_anonymous_id,
    events.event_at,
    events.received_at,
    epoch(events.event_at) - epoch(events.received_at) as seconds_after_received,
    0 as is_quarantined,
    case when list_contains($2, events.event_name) then 0 else 1 end as is_unknown_event,
    case when copies_numbered.copy_number > 1 then 1 else 0 end as is_duplicate_event_id
from raw.events as events
left join copies_numbered on events.rowid = copies_numbered.event_row
where list_contains($1, events.load_id)
union all
select
    load_id, null, null, null, null, null, null, null,
    1 as is_quarantined,
    null as is_unknown_event,
    null as is_duplicate_event_id
from audit.quarantine
where list_contains($1, load_id) and line_number is not null
"""

# one row per line of the batches $1 (a list of load_ids): what the volume warning counts
BATCH_LINES_SQL = """
select load_id from raw.events where list_contains($1, load_id)
union all
select load_id from audit.quarantine where list_contains($1, load_id) and line_number is not null
"""

# lines per earlier batch, newest first ($1 = this load_id, $2 = how many)
TRAILING_VOLUMES_SQL = """
select sum(count_lines) as count_lines
from raw.load_manifest
where load_id <> $1
group by load_id
having sum(count_lines) > 0
order by max(landed_at) desc
limit $2
"""


@dataclass(frozen=True)
class LandingBatchThresholds:
    """What a batch of landed lines must satisfy (structural: failing blocks the run).

    A share threshold of None leaves that share out (the check does so for batches too small
    for a share to mean anything).
    """

    timestamp_floor: dt.datetime
    max_event_at: dt.datetime  # no event later than this (the batch's landing time + 1 day)
    max_quarantined_share: float | None
    max_unknown_event_share: float | None
    max_duplicate_rate: float | None = None  # 1 - distinct event ids / valid lines


def landing_batch_expectations(thresholds: LandingBatchThresholds) -> list[Any]:
    """Structural expectations on a batch's lines: required fields, time range, types, shares
    (quarantined lines, unknown events, duplicate event ids)."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    valid_line = Column("is_quarantined") == 0
    expectations: list[Any] = [
        gxe.ExpectColumnValuesToNotBeNull(column=column, row_condition=valid_line)
        for column in REQUIRED_COLUMNS
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(
            column="event_at",
            min_value=thresholds.timestamp_floor,
            max_value=thresholds.max_event_at,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="seconds_after_received", max_value=MAX_SECONDS_AFTER_RECEIVED
        ),
        gxe.ExpectColumnValuesToBeInSet(column="event_type", value_set=list(KNOWN_EVENT_TYPES)),
    ]
    if thresholds.max_unknown_event_share is not None:
        expectations.append(
            gxe.ExpectColumnMeanToBeBetween(
                column="is_unknown_event",
                min_value=0,
                max_value=thresholds.max_unknown_event_share,
                row_condition=valid_line,
            )
        )
    if thresholds.max_duplicate_rate is not None:
        expectations.append(
            gxe.ExpectColumnMeanToBeBetween(
                column="is_duplicate_event_id",
                min_value=0,
                max_value=thresholds.max_duplicate_rate,
                row_condition=valid_line,
            )
        )
    if thresholds.max_quarantined_share is not None:
        expectations.append(
            gxe.ExpectColumnMeanToBeBetween(
                column="is_quarantined", min_value=0, max_value=thresholds.max_quarantined_share
            )
        )
    return expectations


def volume_band(trailing_volumes: list[int], band: float) -> tuple[int, int] | None:
    """The accepted line count of a batch: the trailing median × (1 ± band); None without
    history."""
    if not trailing_volumes:
        return None
    ordered = sorted(trailing_volumes)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return max(0, math.floor(median * (1 - band))), math.ceil(median * (1 + band))


def landing_volume_expectations(band: tuple[int, int] | None) -> list[Any]:
    """Volume (a warning): the batch's line count within the band of the trailing median."""
    import great_expectations.expectations as gxe

    if band is None:
        return []
    low, high = band
    return [gxe.ExpectTableRowCountToBeBetween(min_value=low, max_value=high)]
