"""Landing a folder of NDJSON files into the raw layer, in one transaction per batch.

Every line of every new file ends up in exactly one place: ``raw.events`` (a valid line; re-sent
copies included, dbt keeps the first received) or ``audit.quarantine`` (with a reason code). A
file is new when its content hash is not yet in ``raw.load_manifest``; landing the same files
again lands nothing. A batch is committed whole or not at all, so a killed landing leaves no
partial batch behind and the next run lands the same files again.

A file whose content changed since it landed (a new content hash at a landed path) lands again.
When lines were only appended to it (its content still starts with the content landed before),
only the new lines land, numbered on. Otherwise the whole file lands again: its valid lines are
re-sent copies (dbt keeps the first by ``event_id``), and a line identical to one an earlier load
quarantined (same file, line number and text) is not quarantined twice: the manifest counts it
in ``count_already_quarantined``. Entries of the folder that cannot be read (see ``files.py``)
are recorded once each as ``unreadable_file`` and never stop the other files.
"""

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from usage_analytics.faults import fault_point
from usage_analytics.landing.arrival import arrival_date
from usage_analytics.landing.files import (
    FileLines,
    FileStats,
    LandedPrefix,
    LandingFile,
    constant_strings,
    discover,
    read_lines,
    reading_pool,
)
from usage_analytics.landing.reasons import MAX_LINE_BYTES
from usage_analytics.landing.rules import (
    create_landing_macros,
    landing_sql,
    line_consent_paths,
    personal_key_pattern,
    pii_digest_sql,
    read_personal_keys,
)
from usage_analytics.warehouse.schema import ensure_schema, has_relation

DEFAULT_BATCH_BYTES = 512 * 1024 * 1024
GZIP_EXPANSION = 8  # a gzip file is weighed as this many times its size on disk
# received_at may lie this far past the landing time (the collector's clock runs ahead)
DEFAULT_MAX_CLOCK_SKEW = dt.timedelta(minutes=5)


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
    # lines of a changed file identical to a line quarantined before: not in count_lines
    count_already_quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    arrival_dates: set[dt.date] = field(default_factory=set)  # of the files newly landed

    @property
    def count_files_landed(self) -> int:
        """Files newly landed (readable or not)."""
        return len(self.files_landed) + len(self.files_unreadable)


@dataclass(frozen=True)
class _BatchRules:
    """What a landing run checks and hashes every line against (the same for all its batches)."""

    timestamp_floor: dt.datetime  # earlier events are quarantined
    max_received_at: dt.datetime  # later received_at is quarantined: landing time + clock skew
    pii_salt: str
    pii_events: list[str]  # the tracking plan's events whose property values are personal
    personal_keys: list[str]  # keys whose values are personal wherever they appear


def _as_datetime(value: dt.date | dt.datetime) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def land_folder(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    *,
    pii_salt: str,
    timestamp_floor: dt.date | dt.datetime,
    tracking_plan_csv: Path | None = None,
    personal_keys_csv: Path | None = None,
    now: dt.datetime | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    select: Callable[[LandingFile], bool] | None = None,
    max_clock_skew: dt.timedelta = DEFAULT_MAX_CLOCK_SKEW,
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
        personal_keys_csv: The seed of personal keys (column ``key_name``) that add to
            ``DEFAULT_PERSONAL_KEYS``: their values are hashed wherever they appear in
            ``properties``, ``traits`` and ``context.traits``.
        now: The landing time (default: the current UTC time).
        batch_bytes: Files are landed in batches of about this many bytes, each committed
            in one transaction with its manifest rows, so memory stays bounded (to about two
            batches: the next one is read while one lands); a killed run keeps the batches it
            committed and lands the rest next time.
        select: Only files for which this returns true are considered (a partitioned run
            lands the files of its arrival dates); the others are listed as not selected.
        max_clock_skew: A line whose ``received_at`` is later than the landing time plus
            this is quarantined (``received_at_in_future``).
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
    skipped: list[LandingFile] = []
    stats = known_file_stats(con)
    for file in discover(folder, stats):
        if select is not None and not select(file):
            result.files_not_selected.append(file.relative_path)
        elif file.content_hash in known:
            result.files_skipped.append(file.relative_path)
            if file.problem is None and _stats_key(file) not in stats:
                skipped.append(file)  # hashed again: its times changed
        else:
            known.add(file.content_hash)
            new_files.append(file)
    _remember_file_stats(con, skipped)
    if not new_files:
        return result

    rules = _BatchRules(
        timestamp_floor=_as_datetime(timestamp_floor),
        max_received_at=landed_at + max_clock_skew,
        pii_salt=pii_salt,
        pii_events=_pii_events(con, tracking_plan_csv),
        personal_keys=read_personal_keys(personal_keys_csv, con),
    )
    landed = landed_prefixes(con)
    batches = _batches(new_files, batch_bytes)
    create_landing_macros(con)  # once: creating them costs a tenth of a second
    with reading_pool() as pool:
        # The next batch is read while this one lands (reading has no side effect).
        reading = _read_batch(pool, batches[0], landed)
        for number in range(1, len(batches) + 1):
            read = [future.result() for future in reading]
            if number < len(batches):
                reading = _read_batch(pool, batches[number], landed)
            _land_batch(con, read, result, rules)
            fault_point("landing_batch_committed")
            if on_batch is not None:
                on_batch(result, number, len(batches))
    return result


def _read_batch(
    pool: Executor, files: list[LandingFile], landed: dict[str, LandedPrefix]
) -> list[Future[FileLines]]:
    """The lines of ``files``, being read by ``pool``."""
    return [pool.submit(read_lines, file, landed.get(file.relative_path)) for file in files]


def known_file_stats(con: duckdb.DuckDBPyConnection) -> FileStats:
    """The content hash of every landed file, by its path, size, modification and inode change
    time (none for a warehouse landed before the manifest recorded them: those files are
    hashed once more, and their times recorded then)."""
    if not has_relation(con, "raw.load_manifest", "file_changed_ns"):
        return {}
    rows = con.execute(
        "select file_path, file_size_bytes, file_modified_ns, file_changed_ns, content_hash"
        " from raw.load_manifest"
        " where file_modified_ns is not null and file_changed_ns is not null"
    ).fetchall()
    return {
        (path, size, modified, changed): content_hash
        for path, size, modified, changed, content_hash in rows
    }


def _stats_key(file: LandingFile) -> tuple[str, int, int, int]:
    return (file.relative_path, file.size_bytes, file.modified_ns or 0, file.changed_ns or 0)


def _remember_file_stats(con: duckdb.DuckDBPyConnection, files: list[LandingFile]) -> None:
    """Records the current times of landed files that were hashed again and found unchanged
    (the manifest lacked their times, or the file was copied, touched or its permissions
    changed), so that the next run need not hash them again."""
    if not files:
        return
    times = pa.table(
        {
            "file_path": [file.relative_path for file in files],
            "content_hash": [file.content_hash for file in files],
            "modified_ns": pa.array([file.modified_ns for file in files], pa.int64()),
            "changed_ns": pa.array([file.changed_ns for file in files], pa.int64()),
        }
    )
    con.register("landing_file_times", times)
    try:
        con.execute(
            """
            update raw.load_manifest
            set file_modified_ns = times.modified_ns, file_changed_ns = times.changed_ns
            from landing_file_times as times
            where load_manifest.file_path = times.file_path
                and load_manifest.content_hash = times.content_hash
            """
        )
    finally:
        con.unregister("landing_file_times")


def landed_prefixes(con: duckdb.DuckDBPyConnection) -> dict[str, LandedPrefix]:
    """What earlier loads read of each landed path: the content of its latest landed version
    (a path landed before the manifest kept it has none, and lands whole when it changes)."""
    rows = con.execute(
        """
        select file_path, read_size_bytes, read_content_hash,
            first_line_number - 1 + count_lines
        from raw.load_manifest
        where status <> 'unreadable' and read_content_hash is not null
        qualify row_number() over (
            partition by file_path order by landed_at desc, rowid desc
        ) = 1
        """
    ).fetchall()
    return {
        path: LandedPrefix(size_bytes=size, content_hash=content_hash, count_lines=lines)
        for path, size, content_hash, lines in rows
    }


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
    read: list[FileLines],
    result: LandingResult,
    rules: _BatchRules,
) -> None:
    """Lands one batch of files (as read) in one transaction, and adds its counts to
    ``result``."""
    landed_at, load_id = result.landed_at, result.load_id
    con.register("landing_lines", _lines_table([i for i in read if i.lines is not None]))
    try:
        con.execute("begin transaction")
        _classify(con, landed_at, rules)
        _quarantine_forgotten(con, landed_at, rules.pii_salt)
        _mark_already_quarantined(con)
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
    """The lines of the batch's files, each with its file's path (``landing_lines``)."""
    schema = pa.schema(
        [
            ("file_path", pa.large_string()),
            ("line_number", pa.int64()),
            ("line", pa.large_string()),
            ("content", pa.large_string()),
            ("is_valid_utf8", pa.bool_()),
            ("is_truncated", pa.bool_()),
        ]
    )
    tables = [
        item.lines.add_column(
            0, "file_path", constant_strings(item.file.relative_path, item.lines.num_rows)
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
    rules: _BatchRules,
) -> None:
    """Parses, validates and hashes the batch's lines into ``landing_classified``
    (``sql/classify_lines.sql``), then hashes in place the properties of the events whose
    properties are personal (``sql/hash_pii_properties.sql``) and the personal keys and email
    addresses (``sql/hash_personal_data.sql``); every value of the run (salt, times, event
    names, keys) is a bound parameter. The landing macros exist already (land_folder)."""
    con.execute(
        landing_sql("classify_lines.sql"),
        {
            "landed_at": landed_at,
            "timestamp_floor": rules.timestamp_floor,
            "max_line_bytes": MAX_LINE_BYTES,
            "salt": rules.pii_salt,
            "max_received_at": rules.max_received_at,
            "consent_paths": line_consent_paths(),
        },
    )
    if rules.pii_events:
        con.execute(
            landing_sql("hash_pii_properties.sql"),
            {"salt": rules.pii_salt, "pii_events": rules.pii_events},
        )
    con.execute(
        landing_sql("hash_personal_data.sql"),
        {
            "salt": rules.pii_salt,
            "pii_events": rules.pii_events,
            "personal_keys": rules.personal_keys,
            "personal_key_pattern": personal_key_pattern(rules.personal_keys),
        },
    )
    _restore_quarantined_text(con)


def _restore_quarantined_text(con: duckdb.DuckDBPyConnection) -> None:
    """Gives the lines that hash_personal_data.sql quarantined (a personal key repeated) their
    text: ``landing_classified`` keeps only the text of the lines classify_lines.sql
    quarantined (copying every line's text costs more than this rare look-up)."""
    (count,) = con.execute(
        "select count(*) from landing_classified where reason is not null and line is null"
    ).fetchone()
    if count:
        con.execute(
            """
            update landing_classified as classified
            set line = lines.line
            from landing_lines as lines
            where classified.reason is not null and classified.line is null
                and lines.file_path = classified.file_path
                and lines.line_number = classified.line_number
            """
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


def _mark_already_quarantined(con: duckdb.DuckDBPyConnection) -> None:
    """Flags (``is_already_quarantined``) the quarantined lines that an earlier load of the
    same file quarantined already: same file, line number and text (a changed file landed
    whole again). They get no second quarantine row. A forgotten user's line has no text:
    the same file and line number suffice."""
    con.execute(
        "alter table landing_classified add column is_already_quarantined boolean default false"
    )
    con.execute(
        """
        update landing_classified as classified
        set is_already_quarantined = true
        where classified.reason is not null
            and exists (
                select 1
                from audit.quarantine as earlier
                where earlier.file_path = classified.file_path
                    and earlier.line_number = classified.line_number
                    and (
                        earlier.raw_line = classified.line
                        or (earlier.reason = 'forgotten_user' and earlier.raw_line is null
                            and classified.reason = 'forgotten_user')
                    )
            )
        """
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
        """
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
            classified.has_analytics_consent
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
        where reason is not null and not is_already_quarantined
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
    """One manifest row per file of the batch, in the batch's order, with its line counts (one
    statement: a batch can have thousands of files)."""
    files = pa.table(
        {
            "position": pa.array(range(len(read)), pa.int64()),
            "file_path": pa.array([item.file.relative_path for item in read], pa.string()),
            "content_hash": pa.array([item.file.content_hash for item in read], pa.string()),
            "file_size_bytes": pa.array([item.file.size_bytes for item in read], pa.int64()),
            "status": pa.array([item.status for item in read], pa.string()),
            "error": pa.array([item.error for item in read], pa.string()),
            "file_modified_ns": pa.array([item.file.modified_ns for item in read], pa.int64()),
            "file_changed_ns": pa.array([item.file.changed_ns for item in read], pa.int64()),
            "first_line_number": pa.array([item.first_line_number for item in read], pa.int64()),
            "read_content_hash": pa.array([item.read_hash for item in read], pa.string()),
            "read_size_bytes": pa.array([item.read_bytes for item in read], pa.int64()),
        }
    )
    con.register("landing_files", files)
    try:
        con.execute(
            """
            insert into raw.load_manifest (load_id, file_path, content_hash, file_size_bytes,
                status, error, count_lines, count_landed, count_quarantined, landed_at,
                file_modified_ns, file_changed_ns, first_line_number, read_content_hash,
                read_size_bytes, count_already_quarantined)
            with line_counts as (
                select
                    file_path,
                    count(*) as count_lines,
                    count(*) filter (where reason is null) as count_landed,
                    count(*) filter (
                        where reason is not null and not is_already_quarantined
                    ) as count_quarantined,
                    count(*) filter (where is_already_quarantined) as count_already_quarantined
                from landing_classified
                group by file_path
            )
            select
                $load_id,
                files.file_path,
                files.content_hash,
                files.file_size_bytes,
                files.status,
                files.error,
                coalesce(line_counts.count_lines, 0),
                coalesce(line_counts.count_landed, 0),
                coalesce(line_counts.count_quarantined, 0),
                $landed_at,
                files.file_modified_ns,
                files.file_changed_ns,
                files.first_line_number,
                files.read_content_hash,
                files.read_size_bytes,
                coalesce(line_counts.count_already_quarantined, 0)
            from landing_files as files
            left join line_counts on files.file_path = line_counts.file_path
            order by files.position
            """,
            {"load_id": load_id, "landed_at": landed_at},
        )
    finally:
        con.unregister("landing_files")


def _add_to_result(
    con: duckdb.DuckDBPyConnection, result: LandingResult, read: list[FileLines]
) -> None:
    for item in read:
        target = result.files_landed if item.lines is not None else result.files_unreadable
        target.append(item.file.relative_path)
        result.arrival_dates.add(arrival_date(item.file.path, item.file.relative_path))
        if item.status == "truncated":
            result.files_truncated.append(item.file.relative_path)
    reasons: Counter[str] = Counter(result.quarantined_by_reason)
    reasons.update(
        dict(
            con.execute(
                "select reason, count(*) from landing_classified "
                "where reason is not null and not is_already_quarantined group by 1"
            ).fetchall()
        )
    )
    reasons["unreadable_file"] += sum(1 for item in read if item.status == "unreadable")
    reasons["truncated_file"] += sum(
        1 for item in read if item.status == "truncated" and not item.ends_in_partial_line
    )
    result.quarantined_by_reason = {reason: n for reason, n in sorted(reasons.items()) if n}
    landed, quarantined, already = con.execute(
        "select count(*) filter (where reason is null),"
        " count(*) filter (where reason is not null and not is_already_quarantined),"
        " count(*) filter (where is_already_quarantined) from landing_classified"
    ).fetchone()
    result.count_lines += landed + quarantined
    result.count_landed += landed
    result.count_quarantined += quarantined
    result.count_already_quarantined += already
