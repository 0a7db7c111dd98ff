"""Forgetting one user: ``usage-analytics forget --user-id ID`` (CONTRACT §2).

In one transaction, on the raw and audit layers (dbt rebuilds the rest from them):

- the user's lines leave ``raw.events``: rows with the user id, and rows without a user id
  whose anonymous id some event ties to the user id. Each becomes an ``audit.quarantine`` row
  with the reason ``forgotten_user``, its file and line number and no text, so every landed
  file still reconciles (lines = loaded + duplicates + quarantined);
- quarantined lines that mention the user are scrubbed (``raw_line`` set to null, the reason
  kept): a line containing the user id or one of the anonymous ids anywhere in its text, or a
  quoted string, email or IPv4 address whose salted hash equals one of the user's hashed
  emails or IPs. A line that parses as JSON is matched on its parsed text too, however its
  JSON escapes characters (``\\u00eb``, ``\\u0040``); a line that does not parse, on its raw
  text. Matching text anywhere errs on the side of scrubbing too much;
- the ids leave ``raw.identities`` (unless another user's events still carry them);
- the request is recorded in ``audit.forget_requests`` with the salted hash of the user id,
  never the id, and the hashes of the user id and anonymous ids go to
  ``audit.forgotten_identities``, so landing quarantines any new line of theirs as
  ``forgotten_user`` without its text. Files already landed are skipped by content hash, so
  landing the same folder again cannot bring the user back either.

Deleted rows can survive as bytes in the free blocks of a DuckDB file: ``compact_warehouse``
rewrites the file once the rebuild is done.
"""

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from usage_analytics.landing.rules import pii_digest_sql
from usage_analytics.warehouse.schema import ensure_schema

# Candidate personal values in the text of a quarantined line (the line may not be JSON).
QUOTED_STRING_RE = r'"([^"\\]*)"'
EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+"
IPV4_RE = r"\d{1,3}(?:\.\d{1,3}){3}"


@dataclass(frozen=True)
class ForgetResult:
    """What one forget request removed."""

    forget_request_id: str
    requested_at: dt.datetime
    user_id_hash: str
    count_anonymous_ids: int
    count_events_removed: int
    count_quarantine_scrubbed: int
    count_identities_removed: int

    @property
    def found(self) -> bool:
        """Whether the warehouse held anything of the user."""
        return bool(
            self.count_events_removed
            or self.count_quarantine_scrubbed
            or self.count_identities_removed
        )


@dataclass(frozen=True)
class _ForgetRequest:
    """One forget request: the values its statements bind as parameters."""

    request_id: str
    requested_at: dt.datetime
    user_id: str
    pii_salt: str


_WORK_TABLES = (
    "forget_anonymous_ids",
    "forget_rows",
    "forget_pii_hashes",
    "forget_quarantine_rows",
)


def forget_user(
    con: duckdb.DuckDBPyConnection,
    user_id: str,
    *,
    pii_salt: str,
    now: dt.datetime | None = None,
) -> ForgetResult:
    """Removes one user's lines from the raw and audit layers and records the request.

    Args:
        con: A read-write connection to the warehouse.
        user_id: The user id as sent (surrounding white space is ignored, as at landing).
        pii_salt: The salt of landing's hashes (it must be the one landing used).
        now: The request time (default: the current UTC time).

    Returns:
        The request's id, the user id's hash and what was removed. The request is recorded
        even when nothing was found, so that files landed later drop the user's lines.
    """
    request = _new_request(user_id, pii_salt=pii_salt, now=now)
    con.execute("set TimeZone = 'UTC'")
    ensure_schema(con)
    try:
        con.execute("begin transaction")
        _find_user_rows(con, request)
        events_removed = _move_events_to_quarantine(con, request)
        quarantine_scrubbed = _scrub_quarantine(con, request)
        identities_removed = _remove_identities(con, request)
        _record_forgotten_identities(con, request)
        result = _record_request(
            con, request, events_removed, quarantine_scrubbed, identities_removed
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for table in _WORK_TABLES:
            con.execute(f"drop table if exists {table}")
    # write the deletions into the database file now, not only into its write-ahead log
    con.execute("checkpoint")
    return result


def _new_request(user_id: str, *, pii_salt: str, now: dt.datetime | None) -> _ForgetRequest:
    """The request for ``user_id`` (stripped; an empty id is refused) at ``now`` (default: the
    current UTC time, to the second), with a new request id."""
    user_id = user_id.strip()
    if not user_id:
        raise ValueError("the user id is empty")
    requested_at = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    return _ForgetRequest(
        request_id=f"{requested_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}",
        requested_at=requested_at,
        user_id=user_id,
        pii_salt=pii_salt,
    )


def _digest(value_sql: str) -> str:
    """SQL of the salted hash of ``value_sql``, the salt bound as ``$salt``."""
    return pii_digest_sql("$salt", value_sql)


def _find_user_rows(con: duckdb.DuckDBPyConnection, request: _ForgetRequest) -> None:
    """Fills the work tables ``forget_anonymous_ids`` (the anonymous ids the user's events
    carry), ``forget_rows`` (the user's rows of ``raw.events``: with the user id, or without a
    user id and with one of those anonymous ids) and ``forget_pii_hashes`` (the hashed emails
    and IPs of those rows, to recognize them in quarantined text)."""
    con.execute(
        """
        create or replace temp table forget_anonymous_ids as
        select distinct anonymous_id from raw.events
        where user_id = $user_id and anonymous_id is not null
        """,
        {"user_id": request.user_id},
    )
    con.execute(
        """
        create or replace temp table forget_rows as
        select load_id, file_path, line_number, traits, context
        from raw.events
        where user_id = $user_id
            or (user_id is null
                and anonymous_id in (select anonymous_id from forget_anonymous_ids))
        """,
        {"user_id": request.user_id},
    )
    con.execute(
        """
        create or replace temp table forget_pii_hashes as
        select distinct value from (
            select json_extract_string(traits, '$.email') as value from forget_rows
            union all
            select json_extract_string(context, '$.traits.email') from forget_rows
            union all
            select json_extract_string(context, '$.ip') from forget_rows
        )
        where value is not null
        """
    )


def _move_events_to_quarantine(con: duckdb.DuckDBPyConnection, request: _ForgetRequest) -> int:
    """Replaces the user's rows of ``raw.events`` by ``forgotten_user`` quarantine rows without
    text (same file and line number, so every landed file still reconciles); returns how many
    events were removed."""
    con.execute(
        """
        insert into audit.quarantine (
            load_id, file_path, line_number, reason, raw_line, quarantined_at,
            forget_request_id, removed_from_raw_at
        )
        select load_id, file_path, line_number, 'forgotten_user', null, $now,
            $request_id, $now
        from forget_rows
        """,
        {"now": request.requested_at, "request_id": request.request_id},
    )
    ((events_removed,),) = con.execute(
        """
        delete from raw.events
        using forget_rows
        where raw.events.load_id = forget_rows.load_id
            and raw.events.file_path = forget_rows.file_path
            and raw.events.line_number = forget_rows.line_number
        """
    ).fetchall()
    return events_removed


def _find_quarantine_rows(con: duckdb.DuckDBPyConnection, request: _ForgetRequest) -> None:
    """Fills the work table ``forget_quarantine_rows`` with the quarantined lines that mention
    the user: the user id or one of the anonymous ids anywhere in the text, or a quoted
    string, email or IPv4 address whose salted hash (as is, or lower-cased and trimmed like
    an email) is one of ``forget_pii_hashes``. A line that parses as JSON is searched both as
    sent and parsed (written back with its escapes decoded, so ``zo\\u00eb`` or
    ``a\\u0040b.com`` match ``zoë`` or ``a@b.com``); a line that does not parse, as sent."""
    con.execute(
        f"""
        create or replace temp table forget_quarantine_rows as
        with quarantined_lines as (
            select rowid as quarantine_row, raw_line
            from audit.quarantine
            where raw_line is not null and line_number is not null
        ),
        lines as (
            -- the texts searched: the raw line and, when it parses as JSON, the line as
            -- DuckDB writes it back (escapes such as \u00eb or \u0040 decoded)
            select quarantine_row, raw_line as searched_text from quarantined_lines
            union all
            select quarantine_row, case when json_valid(raw_line) then json(raw_line)::varchar end
            from quarantined_lines
            where json_valid(raw_line)
        ),
        ids as (
            -- each id as is and as it is written inside a JSON string (quote, backslash and
            -- control characters escaped)
            select distinct id_text from (
                select unnest([identity, (to_json(identity)::varchar)[2:-2]]) as id_text
                from (
                    select $user_id as identity
                    union all
                    select anonymous_id from forget_anonymous_ids
                )
            )
        ),
        lines_with_ids as (
            select distinct lines.quarantine_row
            from lines
            inner join ids on contains(lines.searched_text, ids.id_text)
        ),
        candidates as (
            select quarantine_row, unnest(list_concat(
                regexp_extract_all(searched_text, '{QUOTED_STRING_RE}', 1),
                regexp_extract_all(searched_text, '{EMAIL_RE}'),
                regexp_extract_all(searched_text, '{IPV4_RE}')
            )) as candidate
            from lines
            where exists (select 1 from forget_pii_hashes)
        ),
        lines_with_pii as (
            select distinct quarantine_row from candidates
            where {_digest("candidate")} in (select value from forget_pii_hashes)
                or {_digest("lower(trim(candidate))")} in (select value from forget_pii_hashes)
        )
        select quarantine_row from lines_with_ids
        union
        select quarantine_row from lines_with_pii
        """,
        {"salt": request.pii_salt, "user_id": request.user_id},
    )


def _scrub_quarantine(con: duckdb.DuckDBPyConnection, request: _ForgetRequest) -> int:
    """Empties the text of the quarantined lines that mention the user (their reason is kept);
    returns how many were scrubbed."""
    _find_quarantine_rows(con, request)
    ((quarantine_scrubbed,),) = con.execute(
        """
        update audit.quarantine
        set raw_line = null, scrubbed_at = $now, forget_request_id = $request_id
        where rowid in (select quarantine_row from forget_quarantine_rows)
        """,
        {"now": request.requested_at, "request_id": request.request_id},
    ).fetchall()
    return quarantine_scrubbed


def _remove_identities(con: duckdb.DuckDBPyConnection, request: _ForgetRequest) -> int:
    """Removes the user id and the anonymous ids from ``raw.identities``, unless another
    user's events still carry them; returns how many were removed."""
    ((identities_removed,),) = con.execute(
        """
        delete from raw.identities
        where (identity_value = $user_id
                or identity_value in (select anonymous_id from forget_anonymous_ids))
            and not exists (
                select 1 from raw.events
                where raw.events.user_id = raw.identities.identity_value
                    or raw.events.anonymous_id = raw.identities.identity_value
            )
        """,
        {"user_id": request.user_id},
    ).fetchall()
    return identities_removed


def _record_forgotten_identities(con: duckdb.DuckDBPyConnection, request: _ForgetRequest) -> None:
    """Adds the hashes of the user id and of the anonymous ids to
    ``audit.forgotten_identities`` (those not there yet), so landing quarantines the user's
    new lines as ``forgotten_user``."""
    con.execute(
        f"""
        insert into audit.forgotten_identities
        select identity_hash, identity_kind, $request_id, $now
        from (
            select {_digest("$user_id")} as identity_hash, 'user_id' as identity_kind
            union all
            select {_digest("anonymous_id")}, 'anonymous_id' from forget_anonymous_ids
        ) as identities
        where not exists (
            select 1 from audit.forgotten_identities as forgotten
            where forgotten.identity_hash = identities.identity_hash
                and forgotten.identity_kind = identities.identity_kind
        )
        """,
        {
            "salt": request.pii_salt,
            "user_id": request.user_id,
            "request_id": request.request_id,
            "now": request.requested_at,
        },
    )


def _record_request(
    con: duckdb.DuckDBPyConnection,
    request: _ForgetRequest,
    events_removed: int,
    quarantine_scrubbed: int,
    identities_removed: int,
) -> ForgetResult:
    """Records the request in ``audit.forget_requests`` (with the hash of the user id, never
    the id) and returns it as a result."""
    ((user_id_hash, count_anonymous_ids),) = con.execute(
        f"select {_digest('$user_id')}, (select count(*) from forget_anonymous_ids)",
        {"salt": request.pii_salt, "user_id": request.user_id},
    ).fetchall()
    result = ForgetResult(
        forget_request_id=request.request_id,
        requested_at=request.requested_at,
        user_id_hash=user_id_hash,
        count_anonymous_ids=count_anonymous_ids,
        count_events_removed=events_removed,
        count_quarantine_scrubbed=quarantine_scrubbed,
        count_identities_removed=identities_removed,
    )
    con.execute(
        "insert into audit.forget_requests values (?, ?, ?, ?, ?, ?, ?)",
        [
            result.forget_request_id,
            result.requested_at,
            result.user_id_hash,
            result.count_anonymous_ids,
            result.count_events_removed,
            result.count_quarantine_scrubbed,
            result.count_identities_removed,
        ],
    )
    return result


def compact_warehouse(warehouse: Path) -> None:
    """Rewrites the warehouse into a new file and swaps it in, so that the bytes of deleted
    rows, left in the old file's free blocks, are gone.

    The old file is attached under its own name (its file stem), so views that name their
    catalog bind while they are copied and still resolve in the new file of the same name.
    Nothing may hold the file meanwhile; on any error the old file stays as it was.
    """
    compacted = warehouse.with_name(f".{warehouse.name}.compacting")
    compacted.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        # paths as bound parameters, the catalog name quoted: any file name works
        catalog = '"' + warehouse.stem.replace('"', '""') + '"'
        con.execute(f"attach $path as {catalog} (read_only)", {"path": str(warehouse)})
        con.execute("attach $path as compacted_warehouse", {"path": str(compacted)})
        con.execute(f"copy from database {catalog} to compacted_warehouse")
        con.execute("detach compacted_warehouse")
    except BaseException:
        compacted.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(compacted, warehouse)
