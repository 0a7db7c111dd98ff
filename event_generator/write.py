"""Write the simulated events as NDJSON files, one file per arrival (received_at) UTC date.

The rows of a `Simulation` become Arrow tables with nested struct columns (`properties`,
`context`, `traits`), one arrival date at a time; DuckDB renders each row as a JSON object and
copies each arrival date's rows into `OUT/YYYY/MM/DD/events-YYYY-MM-DD.ndjson` (or `.ndjson.gz`),
ordered by received_at.

Memory stays bounded whatever the number of users: `generate_events` simulates the visitors in
chunks of at most `CHUNK_USERS` and writes each chunk before simulating the next. Chunk 0 draws
from the seed itself and chunk `k` from the seed's `k`-th child stream
(`SeedSequence(seed, spawn_key=(k,))`); user numbers (user_id, e-mail) continue from one chunk to
the next, and anonymous_ids and event_ids are random UUIDs. A run that fits one chunk writes one
file per date, named as above, byte for byte as before chunking; a run of several chunks writes
one file per chunk and date, `events-YYYY-MM-DD-partNNN.ndjson[.gz]`, in the same date folder
(landing reads every file of the tree and takes the arrival date from the folders).

Why not `COPY ... (FORMAT json)` directly: DuckDB's JSON writer writes every column of every
row, nulls included, so a file could not mix snake_case rows (`event_id`, `user_id`) with Segment
camelCase rows (`messageId`, `userId`) without `"event_id": null` next to `"messageId"`. Instead
each row is rendered with `json_strip_nulls(to_json({...}))`, which drops null keys at every
level, and the resulting one-column text is written by DuckDB's CSV writer with no quoting, no
header and a delimiter that JSON text never contains: the bytes are exactly one JSON object per
line, and DuckDB still does the writing and the gzip compression.

Malformed lines are rendered like the others from a copy of a real event, then broken in Python
(a loop over those few rows only) and written as raw text among the rows of their arrival date.
"""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from event_generator.product import (
    COMPANY_SIZES,
    DEVICES,
    EMAIL_DOMAINS,
    EVENTS,
    SERVER_LIBRARY,
    TIMEZONE_OFFSETS_MINUTES,
    WEB_LIBRARY,
)
from event_generator.simulate import (
    CAMPAIGNS,
    KIND_IDENTIFY,
    MALFORMATIONS,
    MS_PER_DAY,
    PAGE_PATHS,
    PAGE_URLS,
    PLAN_NAMES,
    REFERRERS,
    ROLE_CLEAN,
    ROLE_DUPLICATE,
    ROLE_MALFORMED,
    USER_AGENTS,
    EventRows,
    Simulation,
    Visitors,
    simulate,
)

_EPOCH = date(1970, 1, 1)
_DELIMITER = "\x1f"
"""CSV delimiter of the line writer: a control character, always escaped inside JSON text."""
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%g"
_BATCH_ROWS = 4096
CHUNK_USERS = 50_000
"""Visitors simulated and written together: about 4.6M lines over 91 days; the chunk's
simulation peaks near 2 GB, and writing it holds its rows plus one arrival date's table."""
_SUFFIX_LABELS: tuple[str, ...] = (
    "Z",
    "+00:00",
    *(
        f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        for minutes in TIMEZONE_OFFSETS_MINUTES
    ),
)
"""Timestamp suffixes: `Z`, `+00:00`, then each of `TIMEZONE_OFFSETS_MINUTES` as `+HH:MM`."""


def render_sql(columns: str) -> str:
    """SQL rendering the registered Arrow table `day_events` as JSON lines, in file order.

    Args:
        columns: Output columns of the rendered rows: `line`, or `seq, line`.

    Returns:
        The query.
    """
    return f"""
with

events as (

    select
        *,
        strftime(ts_local, '{_TIMESTAMP_FORMAT}') || ts_suffix as timestamp_text,
        strftime(received_at, '{_TIMESTAMP_FORMAT}') || 'Z' as received_text

    from day_events

),

rendered as (

    select
        received_at,
        seq,
        case
            when raw_line is not null then raw_line
            else json_strip_nulls(to_json({{
                'event_id': case when not camel then event_id end,
                'messageId': case when camel then event_id end,
                'type': type,
                'event': event,
                'user_id': case when not camel then user_id end,
                'userId': case when camel then user_id end,
                'anonymous_id': case when not camel then anonymous_id end,
                'anonymousId': case when camel then anonymous_id end,
                'timestamp': case when not camel then timestamp_text end,
                'originalTimestamp': case when camel then timestamp_text end,
                'received_at': case when not camel then received_text end,
                'receivedAt': case when camel then received_text end,
                'properties': properties,
                'context': context,
                'traits': traits
            }}))::varchar
        end as line

    from events

)

select {columns} from rendered order by received_at, seq
"""


@dataclass(frozen=True)
class GenerateSummary:
    """What `generate_events` wrote.

    Attributes:
        out_dir: Folder holding the `YYYY/MM/DD/events-YYYY-MM-DD[-partNNN].ndjson[.gz]` files.
        count_users: Simulated visitors (people); those who signed up got a user_id.
        count_events: Clean events written (excluding malformed lines and re-sent copies).
        count_duplicates: Re-sent copies written (same event_id as a clean event).
        count_malformed: Malformed lines written.
        count_late: Clean events whose received_at date (UTC) is after their timestamp date
            (deliberately late arrivals plus events sent just before midnight).
        count_files: Files written.
        first_date: Arrival date of the first file.
        last_date: Arrival date of the last file.
    """

    out_dir: Path
    count_users: int
    count_events: int
    count_duplicates: int
    count_malformed: int
    count_late: int
    count_files: int
    first_date: date
    last_date: date


def _strings(
    labels: Sequence[str | None], codes: np.ndarray, null: np.ndarray | None = None
) -> pa.Array:
    """Look labels up by code.

    Args:
        labels: Labels (None entries give nulls).
        codes: Indices into `labels`; negative codes give nulls.
        null: Optional extra mask of rows that must be null.

    Returns:
        A string array with one value per code.
    """
    mask = codes < 0 if null is None else (codes < 0) | null
    indices = pa.array(np.where(mask, 0, codes).astype(np.int64), mask=mask)
    return pa.array(list(labels), type=pa.string()).take(indices)


def _string_array(values: np.ndarray) -> pa.Array:
    """Convert a numpy unicode array to an Arrow string array.

    Args:
        values: One-dimensional numpy array of strings.

    Returns:
        The Arrow array.
    """
    return pa.array(values.astype(object), type=pa.string())


def _uuid_strings(raw: np.ndarray) -> pa.Array:
    """Format UUID bytes as canonical lower-case UUID strings.

    Args:
        raw: `(n, 16)` uint8 array.

    Returns:
        String array of `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` values.
    """
    n = raw.shape[0]
    hex_digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2] = hex_digits[raw >> 4]
    digits[:, 1::2] = hex_digits[raw & 0x0F]
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    for target, source in ((0, 0), (9, 8), (14, 12), (19, 16), (24, 20)):
        width = {0: 8, 9: 4, 14: 4, 19: 4, 24: 12}[target]
        text[:, target : target + width] = digits[:, source : source + width]
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(text.tobytes())
    )


def _visitor_strings(visitors: Visitors, first_user_number: int) -> dict[str, pa.Array]:
    """Per-visitor strings: user_id, email, anonymous_id and IP of both devices.

    Args:
        visitors: Visitors.
        first_user_number: User number of visitor 0 (`usr_000001` and `user1@...` for 1).

    Returns:
        `user_id` and `email` (one per visitor), `anonymous_id`, `ip`, `user_agent` and
        `device_type` (two per visitor: index `2 * visitor + slot`).
    """
    number = np.arange(first_user_number, first_user_number + visitors.count).astype(str)
    user_id = np.strings.add("usr_", np.strings.zfill(number, 6))
    domain = np.asarray(EMAIL_DOMAINS)[visitors.email_domain]
    email = np.strings.add(np.strings.add(np.strings.add("user", number), "@"), domain)
    ip = visitors.ip.reshape(-1).astype(np.int64)
    octets = [((ip >> shift) & 0xFF).astype(str) for shift in (24, 16, 8, 0)]
    dotted = octets[0]
    for octet in octets[1:]:
        dotted = np.strings.add(np.strings.add(dotted, "."), octet)
    device_types = [device.type for device in DEVICES]
    return {
        "user_id": _string_array(user_id),
        "email": _string_array(email),
        "anonymous_id": _uuid_strings(visitors.anonymous_id.reshape(-1, 16)),
        "ip": _string_array(dotted),
        "user_agent": _strings(USER_AGENTS, visitors.user_agent.reshape(-1)),
        "device_type": _strings(device_types, visitors.device_type.reshape(-1)),
    }


def _struct(fields: dict[str, pa.Array], null: np.ndarray | None = None) -> pa.StructArray:
    """Build a struct column.

    Args:
        fields: Child arrays by field name.
        null: Rows where the whole struct is null; by default rows where every child is null.

    Returns:
        The struct array.
    """
    if null is None:
        valid = np.zeros(len(next(iter(fields.values()))), dtype=bool)
        for child in fields.values():
            valid |= child.is_valid().to_numpy(zero_copy_only=False)
        null = ~valid
    return pa.StructArray.from_arrays(
        list(fields.values()), names=list(fields), mask=pa.array(null, type=pa.bool_())
    )


def _take_or_null(values: pa.Array, index: np.ndarray, null: np.ndarray) -> pa.Array:
    """Take `values[index]`, with nulls where `null`.

    Args:
        values: Source array.
        index: Row indices into `values`.
        null: Rows that must be null.

    Returns:
        The gathered array.
    """
    return values.take(pa.array(np.where(null, 0, index).astype(np.int64), mask=null))


def _timestamp_suffixes(
    visitors: Visitors, visitor: np.ndarray, server: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """How each row's timestamp is rendered: its UTC offset and the suffix that names it.

    Server-side rows always end in `Z`; client rows follow their visitor's style (`Z`,
    `+00:00` or the local offset).

    Args:
        visitors: Visitors.
        visitor: Visitor per row.
        server: Whether each row is a server-side event.

    Returns:
        Offset (minutes) to add to each row's UTC time, and its index into `_SUFFIX_LABELS`.
    """
    style = np.where(server, 0, visitors.timestamp_suffix[visitor])
    offset = np.where(style == 2, visitors.timestamp_offset_minutes[visitor], 0)
    offset_code = np.searchsorted(np.asarray(sorted(TIMEZONE_OFFSETS_MINUTES)), offset)
    offset_label = 2 + np.argsort(np.asarray(TIMEZONE_OFFSETS_MINUTES))[offset_code]
    return offset, np.where(style == 2, offset_label, style)


def _properties_struct(rows: EventRows) -> pa.StructArray:
    """Build the `properties` column: strings for coded columns, numbers otherwise.

    Args:
        rows: Rows to write.

    Returns:
        The struct column (null where a row has no property).
    """
    properties = {}
    for name, column in rows.properties.items():
        if column.labels is None:
            properties[name] = pa.array(column.values, mask=~column.valid)
        else:
            properties[name] = _strings(column.labels, column.values, ~column.valid)
    return _struct(properties)


def _context_struct(
    rows: EventRows,
    per_visitor: dict[str, pa.Array],
    device_index: np.ndarray,
    server: np.ndarray,
) -> pa.StructArray:
    """Build the `context` column: library, page, campaign, and the device of client events.

    Args:
        rows: Rows to write.
        per_visitor: Per-visitor strings (see `_visitor_strings`).
        device_index: Index `2 * visitor + slot` of each row's device.
        server: Whether each row is a server-side event (no device, user agent or IP).

    Returns:
        The struct column (never null).
    """
    library = server.astype(int)
    return _struct(
        {
            "library": _struct(
                {
                    "name": _strings([WEB_LIBRARY[0], SERVER_LIBRARY[0]], library),
                    "version": _strings([WEB_LIBRARY[1], SERVER_LIBRARY[1]], library),
                }
            ),
            "page": _struct(
                {
                    "path": _strings(PAGE_PATHS, rows.page),
                    "url": _strings(PAGE_URLS, rows.page),
                    "referrer": _strings(REFERRERS, rows.referrer),
                },
                null=rows.page < 0,
            ),
            "campaign": _struct(
                {
                    "source": _strings([c[0] for c in CAMPAIGNS], rows.campaign),
                    "medium": _strings([c[1] for c in CAMPAIGNS], rows.campaign),
                    "name": _strings([c[2] for c in CAMPAIGNS], rows.campaign),
                }
            ),
            "device": _struct(
                {"type": _take_or_null(per_visitor["device_type"], device_index, server)}
            ),
            "user_agent": _take_or_null(per_visitor["user_agent"], device_index, server),
            "ip": _take_or_null(per_visitor["ip"], device_index, server),
        },
        null=np.zeros(len(rows.visitor), dtype=bool),
    )


def _traits_struct(
    rows: EventRows, visitors: Visitors, per_visitor: dict[str, pa.Array], visitor: np.ndarray
) -> pa.StructArray:
    """Build the `traits` column of identify rows: email, plan and company size.

    Args:
        rows: Rows to write.
        visitors: Visitors.
        per_visitor: Per-visitor strings (see `_visitor_strings`).
        visitor: Visitor per row.

    Returns:
        The struct column (null except on identify rows).
    """
    identify = rows.kind == KIND_IDENTIFY
    return _struct(
        {
            "email": _take_or_null(per_visitor["email"], visitor, ~identify),
            "plan": _strings(PLAN_NAMES, rows.traits_plan.astype(np.int64), ~identify),
            "company_size": _strings(COMPANY_SIZES, visitors.company_size[visitor], ~identify),
        },
        null=~identify,
    )


def build_table(rows: EventRows, visitors: Visitors, per_visitor: dict[str, pa.Array]) -> pa.Table:
    """Build the Arrow table of rows to write, in their order.

    Args:
        rows: Rows to write (one arrival date's).
        visitors: Visitors the rows refer to.
        per_visitor: Per-visitor strings (see `_visitor_strings`).

    Returns:
        A table with `seq`, `received_at`, `event_id`, `camel`, `type`, `event`, `user_id`,
        `anonymous_id`, `ts_local`, `ts_suffix`, the struct columns `properties`, `context`,
        `traits`, and `raw_line` (all null; filled for malformed rows by `write_event_files`).
    """
    visitor = rows.visitor.astype(np.int64)
    server = rows.slot < 0
    device_index = 2 * visitor + np.maximum(rows.slot, 0)
    offset, suffix_code = _timestamp_suffixes(visitors, visitor, server)
    kind = rows.kind.astype(np.int64)
    return pa.table(
        {
            "seq": pa.array(rows.seq),
            "received_at": pa.array(rows.received_ms.astype("datetime64[ms]")),
            "event_id": _uuid_strings(rows.event_id),
            "camel": pa.array(visitors.camel_case[visitor]),
            "type": _strings([e.type for e in EVENTS], kind),
            "event": _strings([e.name for e in EVENTS], kind),
            "user_id": _take_or_null(per_visitor["user_id"], visitor, ~rows.has_user_id),
            "anonymous_id": _take_or_null(
                per_visitor["anonymous_id"], device_index, ~rows.has_anonymous_id | server
            ),
            "ts_local": pa.array((rows.timestamp_ms + offset * 60_000).astype("datetime64[ms]")),
            "ts_suffix": _strings(_SUFFIX_LABELS, suffix_code),
            "properties": _properties_struct(rows),
            "context": _context_struct(rows, per_visitor, device_index, server),
            "traits": _traits_struct(rows, visitors, per_visitor, visitor),
            "raw_line": pa.nulls(len(visitor), type=pa.string()),
        }
    )


def _break_line(line: str, malformation: str, salt: int) -> str:
    """Break a rendered event line the way `malformation` says.

    Args:
        line: A valid JSON object line.
        malformation: One of `MALFORMATIONS`.
        salt: A deterministic random byte (0-255) to vary the damage.

    Returns:
        The malformed line (no newline).

    Raises:
        ValueError: For an unknown malformation.
    """
    if malformation == "invalid_json":
        cut = max(1, int(len(line) * (0.2 + 0.6 * salt / 255)))
        return line[:cut]
    if malformation == "not_an_object":
        return f"[{line}]"
    event = json.loads(line)
    if malformation == "missing_event_id":
        event.pop("event_id", None)
        event.pop("messageId", None)
    elif malformation == "missing_timestamp":
        event.pop("timestamp", None)
        event.pop("originalTimestamp", None)
    elif malformation in ("invalid_timestamp", "timestamp_before_floor"):
        key = "originalTimestamp" if "originalTimestamp" in event else "timestamp"
        if malformation == "invalid_timestamp":
            event[key] = "not-a-date"
        else:
            event[key] = "1970-01-01T00:00:00.000Z" if salt % 2 else "1999-12-31T23:59:59.000Z"
    elif malformation == "missing_event":
        event["type"] = "track"
        event.pop("event", None)
    elif malformation == "missing_user":
        for key in ("user_id", "userId", "anonymous_id", "anonymousId"):
            event.pop(key, None)
    else:
        raise ValueError(f"unknown malformation {malformation!r}")
    return json.dumps(event, separators=(",", ":"))


def _copy_options(gzip: bool) -> str:
    """COPY options writing one raw text column per line.

    Args:
        gzip: Whether to gzip the file.

    Returns:
        The option list (without parentheses).
    """
    compression = "gzip" if gzip else "none"
    return (
        f"format csv, header false, quote '', escape '', delimiter '{_DELIMITER}', "
        f"compression {compression}"
    )


def _with_malformed_lines(
    con: duckdb.DuckDBPyConnection, table: pa.Table, rows: EventRows
) -> pa.Table:
    """Fill `raw_line` of the malformed rows: render each like any event, then break it.

    Args:
        con: DuckDB connection.
        table: The table of `build_table`.
        rows: The rows it was built from.

    Returns:
        The table with `raw_line` set on malformed rows (the table itself when there are none).
    """
    malformed = np.flatnonzero(rows.role == ROLE_MALFORMED)
    if len(malformed) == 0:
        return table
    con.register("day_events", table.take(pa.array(malformed)))
    rendered = dict(con.execute(render_sql("seq, line")).fetchall())
    con.unregister("day_events")
    broken = [
        _break_line(
            rendered[int(rows.seq[row])],
            MALFORMATIONS[int(rows.malformation[row])],
            int(rows.event_id[row, 0]),
        )
        for row in malformed
    ]
    position = np.full(len(rows.seq), -1, dtype=np.int64)
    position[malformed] = np.arange(len(malformed))
    raw_line = _take_or_null(pa.array(broken, type=pa.string()), position, position < 0)
    return table.set_column(table.schema.get_field_index("raw_line"), "raw_line", raw_line)


def _arrival_days(received_ms: np.ndarray) -> list[tuple[date, int, int]]:
    """Split rows sorted by arrival into arrival (UTC) dates.

    Args:
        received_ms: Arrival time per row, sorted.

    Returns:
        Per arrival date: the date, and the first and past-the-last row of its rows.
    """
    day = received_ms // MS_PER_DAY
    starts = np.concatenate([[0], np.flatnonzero(np.diff(day)) + 1])
    ends = np.concatenate([starts[1:], [len(day)]])
    return [
        (_EPOCH + timedelta(days=int(day[first])), first, stop)
        for first, stop in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def write_event_files(
    simulation: Simulation,
    out_dir: Path,
    *,
    gzip: bool = False,
    first_user_number: int = 1,
    part: str = "",
) -> dict[date, Path]:
    """Write the simulated rows as one NDJSON file per arrival date.

    The Arrow table is built one arrival date at a time, so writing holds one date's table on
    top of the simulation.

    Args:
        simulation: Simulated rows (sorted by arrival) and visitors.
        out_dir: Output folder (created if needed); existing files of the same names are
            overwritten, others are left alone.
        gzip: Write `.ndjson.gz` files compressed by DuckDB.
        first_user_number: User number of the simulation's visitor 0.
        part: Appended to each file name's date (`-part002` for a run's second chunk).

    Returns:
        The file written per arrival date, in date order.
    """
    rows = simulation.rows
    if len(rows.seq) == 0:
        return {}
    per_visitor = _visitor_strings(simulation.visitors, first_user_number)
    suffix = ".ndjson.gz" if gzip else ".ndjson"
    options = _copy_options(gzip)
    written: dict[date, Path] = {}
    con = duckdb.connect()
    try:
        for arrival, first, stop in _arrival_days(rows.received_ms):
            day_rows = rows.take(np.arange(first, stop))
            table = build_table(day_rows, simulation.visitors, per_visitor)
            table = _with_malformed_lines(con, table, day_rows)
            # Several record batches per file let DuckDB render one file on several threads.
            table = pa.Table.from_batches(table.to_batches(max_chunksize=_BATCH_ROWS))
            folder = out_dir / f"{arrival:%Y}" / f"{arrival:%m}" / f"{arrival:%d}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"events-{arrival.isoformat()}{part}{suffix}"
            con.register("day_events", table)
            target = str(path).replace("'", "''")
            query = render_sql("line")
            con.execute(f"copy ({query}) to '{target}' ({options})")
            con.unregister("day_events")
            written[arrival] = path
    finally:
        con.close()
    return written


@dataclass(frozen=True)
class _Chunk:
    """One group of visitors simulated and written together.

    Attributes:
        first_user_number: User number of the chunk's first visitor.
        users: Visitors in the chunk.
        seed: The chunk's random stream: the run's seed for chunk 0, its child stream for the
            others.
        part: File name tag (`-part003`), empty when the run is one chunk.
    """

    first_user_number: int
    users: int
    seed: int | np.random.SeedSequence
    part: str


def _chunks(users: int, seed: int, chunk_users: int) -> list[_Chunk]:
    """Split the visitors into chunks of `chunk_users` (the last one smaller).

    Chunk 0 draws from the seed itself, so a run that fits one chunk writes what it always
    wrote, and the first chunk of any run is the run of `chunk_users` users.

    Args:
        users: Visitors of the run.
        seed: The run's seed.
        chunk_users: Visitors per chunk.

    Returns:
        The chunks, in user number order.
    """
    starts = range(0, users, chunk_users)
    width = max(3, len(str(len(starts))))
    return [
        _Chunk(
            first_user_number=first + 1,
            users=min(chunk_users, users - first),
            seed=np.random.SeedSequence(seed, spawn_key=(index,)) if index else seed,
            part=f"-part{index + 1:0{width}d}" if len(starts) > 1 else "",
        )
        for index, first in enumerate(starts)
    ]


def _write_chunk(
    chunk: _Chunk, out_dir: Path, *, days: int, start: date, dirty_share: float, gzip: bool
) -> tuple[Counter[str], dict[date, Path]]:
    """Simulate one chunk and write its files.

    Only the counts and paths outlive the call, so the chunk's arrays are freed before the next
    chunk is simulated.

    Args:
        chunk: The chunk.
        out_dir: Output folder.
        days: Window length in days.
        start: First day of the window (UTC).
        dirty_share: Dirty lines as a share of clean events.
        gzip: Write gzip-compressed files.

    Returns:
        Counts of what was written (`events`, `duplicates`, `malformed`, `late`) and the file
        written per arrival date.
    """
    simulation = simulate(
        users=chunk.users, days=days, seed=chunk.seed, start=start, dirty_share=dirty_share
    )
    files = write_event_files(
        simulation, out_dir, gzip=gzip, first_user_number=chunk.first_user_number, part=chunk.part
    )
    role = simulation.rows.role
    counts = Counter(
        events=int(np.count_nonzero(role == ROLE_CLEAN)),
        duplicates=int(np.count_nonzero(role == ROLE_DUPLICATE)),
        malformed=int(np.count_nonzero(role == ROLE_MALFORMED)),
        late=simulation.count_late,
    )
    return counts, files


def generate_events(
    out_dir: Path,
    *,
    users: int = 2000,
    days: int = 60,
    seed: int = 42,
    start: date = date(2026, 1, 5),
    dirty_share: float = 0.01,
    gzip: bool = False,
    chunk_users: int = CHUNK_USERS,
) -> GenerateSummary:
    """Simulate the synthetic SaaS product and write its raw events as NDJSON files.

    The same arguments always give byte-identical files. The visitors are simulated and written
    in chunks of `chunk_users`, so memory does not grow with `users`.

    Args:
        out_dir: Output folder; files go to `YYYY/MM/DD/events-YYYY-MM-DD.ndjson[.gz]` by
            arrival (received_at) date, `events-YYYY-MM-DD-partNNN.ndjson[.gz]` (one per chunk)
            when there are several chunks.
        users: Visitors arriving over the window (roughly 40% sign up).
        days: Window length in days; event timestamps fall in `[start, start + days)` (late
            arrivals and re-sent copies may land in files dated after the window).
        seed: Random seed.
        start: First day of the window (UTC).
        dirty_share: Dirty lines as a share of clean events: 40% re-sent duplicates, 30% late
            arrivals (1-5 days), 30% malformed lines; 0 writes clean input only.
        gzip: Write gzip-compressed files.
        chunk_users: Visitors per chunk (tests use small chunks).

    Returns:
        Counts of what was written.

    Raises:
        ValueError: If an argument is out of range.
    """
    if users < 1 or chunk_users < 1:
        raise ValueError("users and chunk_users must be at least 1")
    out_dir = Path(out_dir)
    counts = Counter[str]()
    dates: list[date] = []
    for chunk in _chunks(users, seed, chunk_users):
        chunk_counts, files = _write_chunk(
            chunk, out_dir, days=days, start=start, dirty_share=dirty_share, gzip=gzip
        )
        counts.update(chunk_counts)
        dates.extend(files)
    return GenerateSummary(
        out_dir=out_dir,
        count_users=users,
        count_events=counts["events"],
        count_duplicates=counts["duplicates"],
        count_malformed=counts["malformed"],
        count_late=counts["late"],
        count_files=len(dates),
        first_date=min(dates, default=start),
        last_date=max(dates, default=start),
    )
