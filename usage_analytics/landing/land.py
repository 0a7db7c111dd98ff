"""Landing a folder of NDJSON files into the raw layer, in one transaction per batch.

Every line of every new file ends up in exactly one place: ``raw.events`` (a valid line; re-sent
copies included, dbt keeps the first received) or ``audit.quarantine`` (with a reason code). A
file is new when its content hash is not yet in ``raw.load_manifest``; landing the same files
again lands nothing. A batch is committed whole or not at all, so a killed landing leaves no
partial batch behind and the next run lands the same files again.
"""

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from usage_analytics.faults import fault_point
from usage_analytics.landing.files import (
    FileLines,
    FileStats,
    LandingFile,
    discover,
    read_lines,
)
from usage_analytics.landing.reasons import MAX_LINE_BYTES
from usage_analytics.landing.rules import (
    analytics_consent_sql,
    create_landing_macros,
    landing_sql,
    pii_digest_sql,
)
from usage_analytics.warehouse.schema import ensure_schema, has_relation

DEFAULT_BATCH_BYTES = 512 * 1024 * 1024
GZIP_EXPANSION = 8  # a gzip file is weighed as this many times its size on disk


@dataclass
class LandingResult:
    """What one landing did."""

    load_id: str
    landed_at: dt.datetime
    files_landed: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)  # content already landed
    files_unreadable: list[str] = field(default_factory=list)
    files_truncated: list[str] = field(default_factory=list)  # gzip cut short; also in landed
    files_not_selected: list[str] = field(default_factory=list)  # outside the run's partitions
    count_lines: int = 0
    count_landed: int = 0
    count_quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def count_files_landed(self) -> int:
        """Files newly landed (readable or not)."""
        return len(self.files_landed) + len(self.files_unreadable)


def land_folder(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    *,
    pii_salt: str,
    timestamp_floor: dt.date | dt.datetime,
    tracking_plan_csv: Path | None = None,
    now: dt.datetime | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    select: Callable[[LandingFile], bool] | None = None,
    on_batch: Callable[[LandingResult, int, int], None] | None = None,
) -> LandingResult:
    """Lands the new files of ``folder`` into the warehouse behind ``con``.

    Args:
        con: A read-write connection to the warehouse.
        folder: The landing folder (searched recursively).
        pii_salt: Salt of the SHA-256 hashes of personal data.
        timestamp_floor: Events before this instant are quarantined.
        tracking_plan_csv: The tracking plan; its ``contains_pii`` events get their property
            values hashed. Without it no property is hashed.
        now: The landing time (default: the current UTC time).
        batch_bytes: Files are landed in batches of about this many bytes, each committed
            in one transaction with its manifest rows, so memory stays bounded; a killed run
            keeps the batches it committed and lands the rest next time.
        select: Only files for which this returns true are considered (a partitioned run
            lands the files of its arrival dates); the others are listed as not selected.
        on_batch: Called after each committed batch with the result so far, the batch's number
            (from 1) and the number of batches (progress on large folders).

    Returns:
        What was landed, skipped and quarantined.
    """
    landed_at = now or dt.datetime.now(dt.UTC)
    if landed_at.tzinfo is not None:
        landed_at = landed_at.astimezone(dt.UTC).replace(tzinfo=None)
    landed_at = landed_at.replace(microsecond=0)
    result = LandingResult(
        load_id=f"{landed_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", landed_at=landed_at
    )
    con.execute("set TimeZone = 'UTC'")
    ensure_schema(con)
    known = {row[0] for row in con.execute("select content_hash from raw.load_manifest").fetchall()}
    new_files: list[LandingFile] = []
    for file in discover(folder, known_file_stats(con)):
        if select is not None and not select(file):
            result.files_not_selected.append(file.relative_path)
        elif file.content_hash in known:
            result.files_skipped.append(file.relative_path)
        else:
            known.add(file.content_hash)
            new_files.append(file)
    if not new_files:
        return result

    pii_events = _pii_events(con, tracking_plan_csv)
    batches = _batches(new_files, batch_bytes)
    for number, batch in enumerate(batches, start=1):
        _land_batch(con, batch, result, timestamp_floor, pii_salt, pii_events)
        fault_point("landing_batch_committed")
        if on_batch is not None:
            on_batch(result, number, len(batches))
    return result


def known_file_stats(con: duckdb.DuckDBPyConnection) -> FileStats:
    """The content hash of every landed file, by its path, size and modification time (none
    for a warehouse landed before the manifest recorded modification times)."""
    if not has_relation(con, "raw.load_manifest", "file_modified_ns"):
        return {}
    rows = con.execute(
        "select file_path, file_size_bytes, file_modified_ns, content_hash"
        " from raw.load_manifest where file_modified_ns is not null"
    ).fetchall()
    return {(path, size, modified): content_hash for path, size, modified, content_hash in rows}


def _batches(files: list[LandingFile], batch_bytes: int) -> list[list[LandingFile]]:
    """Consecutive groups of files of about ``batch_bytes`` (a gzip file counts 8x its size)."""
    batches: list[list[LandingFile]] = []
    current: list[LandingFile] = []
    size = 0
    for file in files:
        weight = file.size_bytes * (GZIP_EXPANSION if file.path.name.endswith(".gz") else 1)
        if current and size + weight > batch_bytes:
            batches.append(current)
            current, size = [], 0
        current.append(file)
        size += weight
    if current:
        batches.append(current)
    return batches


def _land_batch(
    con: duckdb.DuckDBPyConnection,
    files: list[LandingFile],
    result: LandingResult,
    timestamp_floor: dt.date | dt.datetime,
    pii_salt: str,
    pii_events: list[str],
) -> None:
    """Lands one batch of files in one transaction, and adds its counts to ``result``."""
    landed_at, load_id = result.landed_at, result.load_id
    read = [read_lines(file) for file in files]
    con.register("landing_lines", _lines_table([i for i in read if i.lines is not None]))
    try:
        con.execute("begin transaction")
        _classify(con, landed_at, timestamp_floor, pii_salt, pii_events)
        _quarantine_forgotten(con, landed_at, pii_salt)
        _write_identities(con, landed_at)
        _write_events(con, load_id, landed_at)
        _write_quarantine(con, load_id, landed_at)
        _write_file_level(con, load_id, landed_at, read)
        _write_manifest(con, load_id, landed_at, read)
        _add_to_result(con, result, read)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("landing_lines")
        con.execute("drop table if exists landing_classified")


def _lines_table(items: list[FileLines]) -> pa.Table:
    schema = pa.schema(
        [
            ("file_path", pa.string()),
            ("line_number", pa.int64()),
            ("line", pa.string()),
            ("is_valid_utf8", pa.bool_()),
            ("is_truncated", pa.bool_()),
        ]
    )
    tables = [
        item.lines.add_column(
            0, "file_path", pa.array([item.file.relative_path] * item.lines.num_rows, pa.string())
        )
        for item in items
        if item.lines is not None
    ]
    return pa.concat_tables(tables).cast(schema) if tables else schema.empty_table()


def _pii_events(con: duckdb.DuckDBPyConnection, tracking_plan_csv: Path | None) -> list[str]:
    """The tracking plan's events whose property values are personal data."""
    if tracking_plan_csv is None or not tracking_plan_csv.exists():
        return []
    rows = con.execute(
        "select event_name from read_csv(?, header = true, all_varchar = true) "
        "where lower(contains_pii) in ('true', 't', '1', 'yes')",
        [str(tracking_plan_csv)],
    ).fetchall()
    return [name for (name,) in rows]


def _classify(
    con: duckdb.DuckDBPyConnection,
    landed_at: dt.datetime,
    timestamp_floor: dt.date | dt.datetime,
    pii_salt: str,
    pii_events: list[str],
) -> None:
    """Parses, validates and hashes the batch's lines into ``landing_classified``
    (``sql/classify_lines.sql``); every value of the run (salt, times, event names) is a bound
    parameter."""
    floor = timestamp_floor
    if not isinstance(floor, dt.datetime):
        floor = dt.datetime.combine(floor, dt.time())
    create_landing_macros(con)
    con.execute(
        landing_sql("classify_lines.sql"),
        {
            "landed_at": landed_at,
            "timestamp_floor": floor,
            "max_line_bytes": MAX_LINE_BYTES,
            "salt": pii_salt,
            "pii_events": pii_events,
        },
    )


def _quarantine_forgotten(
    con: duckdb.DuckDBPyConnection, landed_at: dt.datetime, pii_salt: str
) -> None:
    """Lines of forgotten users (audit.forgotten_identities) become quarantine rows with the
    reason ``forgotten_user`` and no text, whatever else is wrong with them.

    A line is a forgotten user's when its user id is forgotten, or when it has no user id and
    its anonymous id is forgotten. An anonymous id that this batch ties to a forgotten user id
    is forgotten too (and recorded). A line whose ids cannot be read (invalid JSON ...) cannot
    be recognized: it keeps its ordinary reason and text (``forget`` again scrubs it).
    """
    (count_forgotten,) = con.execute("select count(*) from audit.forgotten_identities").fetchone()
    if not count_forgotten:
        return

    def digest(value: str) -> str:
        return pii_digest_sql("$salt", value)

    con.execute(
        f"""
        insert into audit.forgotten_identities
        select distinct
            {digest("classified.anonymous_id")}, 'anonymous_id', forgotten.forget_request_id, $now
        from landing_classified as classified
        inner join audit.forgotten_identities as forgotten
            on forgotten.identity_kind = 'user_id'
            and forgotten.identity_hash = {digest("classified.user_id")}
        where classified.anonymous_id is not null
            and {digest("classified.anonymous_id")} not in (
                select identity_hash from audit.forgotten_identities
                where identity_kind = 'anonymous_id'
            )
        """,
        {"salt": pii_salt, "now": landed_at},
    )
    con.execute(
        f"""
        update landing_classified
        set reason = 'forgotten_user', line = null
        where {digest("user_id")} in (
                select identity_hash from audit.forgotten_identities
                where identity_kind = 'user_id'
            )
            or (user_id is null and {digest("anonymous_id")} in (
                select identity_hash from audit.forgotten_identities
                where identity_kind = 'anonymous_id'
            ))
        """,
        {"salt": pii_salt},
    )


def _write_identities(con: duckdb.DuckDBPyConnection, landed_at: dt.datetime) -> None:
    con.execute(
        """
        insert into raw.identities (identity_key, identity_value, first_landed_at)
        with new_values as (
            select distinct identity_value
            from (
                select user_id as identity_value from landing_classified where reason is null
                union all
                select anonymous_id from landing_classified where reason is null
            )
            where identity_value is not null
                and identity_value not in (select identity_value from raw.identities)
        )
        select
            (select coalesce(max(identity_key), 0) from raw.identities)
                + row_number() over (order by identity_value),
            identity_value,
            ?
        from new_values
        """,
        [landed_at],
    )


def _write_events(con: duckdb.DuckDBPyConnection, load_id: str, landed_at: dt.datetime) -> None:
    con.execute(
        f"""
        insert into raw.events (
            event_id, event_type, event_name, event_name_original, user_id, anonymous_id,
            user_id_key, anonymous_id_key, event_at, received_at, properties, context, traits,
            load_id, file_path, line_number, loaded_at, has_analytics_consent
        )
        select
            classified.event_id,
            classified.event_type,
            classified.event_name,
            classified.event_name_original,
            classified.user_id,
            classified.anonymous_id,
            user_identities.identity_key,
            anonymous_identities.identity_key,
            classified.event_at,
            classified.received_at,
            classified.properties,
            classified.context,
            classified.traits,
            ?,
            classified.file_path,
            classified.line_number,
            ?,
            {analytics_consent_sql("classified.context")}
        from landing_classified as classified
        left join raw.identities as user_identities
            on classified.user_id = user_identities.identity_value
        left join raw.identities as anonymous_identities
            on classified.anonymous_id = anonymous_identities.identity_value
        where classified.reason is null
        order by classified.event_at, classified.file_path, classified.line_number
        """,
        [load_id, landed_at],
    )


def _write_quarantine(con: duckdb.DuckDBPyConnection, load_id: str, landed_at: dt.datetime) -> None:
    con.execute(
        """
        insert into audit.quarantine
            (load_id, file_path, line_number, reason, raw_line, quarantined_at)
        select ?, file_path, line_number, reason, line, ?
        from landing_classified
        where reason is not null
        order by file_path, line_number
        """,
        [load_id, landed_at],
    )


def _write_file_level(
    con: duckdb.DuckDBPyConnection, load_id: str, landed_at: dt.datetime, read: list[FileLines]
) -> None:
    """A quarantine row without line number, holding the error, for a file that could not be
    read, and for a truncated gzip cut between two lines (no line of its own says it was cut).
    These rows are not lines: they are not counted in the manifest's ``count_quarantined``."""
    for item in read:
        if item.status == "unreadable":
            reason = "unreadable_file"
        elif item.status == "truncated" and not item.ends_in_partial_line:
            reason = "truncated_file"
        else:
            continue
        con.execute(
            "insert into audit.quarantine"
            " (load_id, file_path, line_number, reason, raw_line, quarantined_at)"
            " values (?, ?, null, ?, ?, ?)",
            [load_id, item.file.relative_path, reason, item.error, landed_at],
        )


def _write_manifest(
    con: duckdb.DuckDBPyConnection, load_id: str, landed_at: dt.datetime, read: list[FileLines]
) -> None:
    counts = {
        file_path: (lines, landed, quarantined)
        for file_path, lines, landed, quarantined in con.execute(
            """
            select
                file_path,
                count(*),
                count(*) filter (where reason is null),
                count(*) filter (where reason is not null)
            from landing_classified
            group by 1
            """
        ).fetchall()
    }
    for item in read:
        lines, landed, quarantined = counts.get(item.file.relative_path, (0, 0, 0))
        con.execute(
            "insert into raw.load_manifest (load_id, file_path, content_hash, file_size_bytes,"
            " status, error, count_lines, count_landed, count_quarantined, landed_at,"
            " file_modified_ns) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                item.file.relative_path,
                item.file.content_hash,
                item.file.size_bytes,
                item.status,
                item.error,
                lines,
                landed,
                quarantined,
                landed_at,
                item.file.modified_ns,
            ],
        )


def _add_to_result(
    con: duckdb.DuckDBPyConnection, result: LandingResult, read: list[FileLines]
) -> None:
    for item in read:
        target = result.files_landed if item.lines is not None else result.files_unreadable
        target.append(item.file.relative_path)
        if item.status == "truncated":
            result.files_truncated.append(item.file.relative_path)
    reasons: Counter[str] = Counter(result.quarantined_by_reason)
    reasons.update(
        dict(
            con.execute(
                "select reason, count(*) from landing_classified "
                "where reason is not null group by 1"
            ).fetchall()
        )
    )
    reasons["unreadable_file"] += sum(1 for item in read if item.status == "unreadable")
    reasons["truncated_file"] += sum(
        1 for item in read if item.status == "truncated" and not item.ends_in_partial_line
    )
    result.quarantined_by_reason = {reason: n for reason, n in sorted(reasons.items()) if n}
    lines, landed, quarantined = con.execute(
        "select count(*), count(*) filter (where reason is null), "
        "count(*) filter (where reason is not null) from landing_classified"
    ).fetchone()
    result.count_lines += lines
    result.count_landed += landed
    result.count_quarantined += quarantined
