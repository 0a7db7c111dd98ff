"""The raw and audit tables that Python writes, in one place, with one way to migrate them.

``TABLES`` holds each table as it is now. ``MIGRATIONS`` lists the columns added after the first
release: ``ensure_schema`` creates the missing tables, then adds any listed column an older
warehouse lacks and backfills its rows. A new column goes into both (the table and a migration).
The tables dbt builds (staging to marts, ``audit.incremental_state``) are dbt's to migrate.
"""

import duckdb

from usage_analytics.landing.rules import analytics_consent_sql

TABLES: dict[str, str] = {
    "raw.load_manifest": """
        load_id varchar not null,
        file_path varchar not null,
        content_hash varchar not null,
        file_size_bytes bigint not null,
        status varchar not null,            -- landed | truncated (gzip cut short) | unreadable
        error varchar,
        count_lines bigint not null,
        count_landed bigint not null,       -- valid lines written to raw.events (copies included)
        count_quarantined bigint not null,  -- lines written to audit.quarantine
        landed_at timestamp not null,
        -- with the path and size, a later run knows the file without reading it again
        file_modified_ns bigint,
        file_changed_ns bigint,             -- the inode change time: no rewrite can keep it
        -- a file landed before and only appended to since: its new lines are this load's
        first_line_number bigint,           -- 1, or the first line after the landed prefix
        read_content_hash varchar,          -- SHA-256 of the whole content read (decompressed)
        read_size_bytes bigint,             -- its length
        -- lines identical (file, line number, text) to a line an earlier load quarantined:
        -- not quarantined again (part of count_lines, neither landed nor quarantined)
        count_already_quarantined bigint
    """,
    "raw.identities": """
        identity_key bigint not null,
        identity_value varchar not null,
        first_landed_at timestamp not null
    """,
    "raw.events": """
        event_id varchar not null,
        event_type varchar not null,
        event_name varchar not null,
        event_name_original varchar,
        user_id varchar,
        anonymous_id varchar,
        user_id_key bigint,
        anonymous_id_key bigint,
        event_at timestamp not null,
        received_at timestamp not null,
        properties json,
        context json,
        traits json,
        load_id varchar not null,
        file_path varchar not null,
        line_number bigint not null,
        loaded_at timestamp not null,
        has_analytics_consent boolean       -- false: context.consent refused analytics
    """,
    "audit.quarantine": """
        load_id varchar not null,
        file_path varchar not null,
        line_number bigint,                 -- null for a file-level row (unreadable_file, or
                                            -- truncated_file when a gzip is cut between lines)
        reason varchar not null,
        raw_line varchar,                   -- null once `forget` scrubbed it
        quarantined_at timestamp not null,
        forget_request_id varchar,          -- the forget request that scrubbed or removed it
        scrubbed_at timestamp,              -- when `forget` blanked raw_line (reason kept)
        removed_from_raw_at timestamp       -- when `forget` moved the line out of raw.events
    """,
    # one row per `usage-analytics forget` request; the user id only as its salted hash
    "audit.forget_requests": """
        forget_request_id varchar not null,
        requested_at timestamp not null,
        user_id_hash varchar not null,
        count_anonymous_ids bigint not null,        -- anonymous ids tied to the user
        count_events_removed bigint not null,       -- rows deleted from raw.events
        count_quarantine_scrubbed bigint not null,  -- audit.quarantine raw_line values blanked
        count_identities_removed bigint not null    -- rows deleted from raw.identities
    """,
    # salted hashes of forgotten ids: landing quarantines their new lines as `forgotten_user`
    "audit.forgotten_identities": """
        identity_hash varchar not null,
        identity_kind varchar not null,             -- user_id | anonymous_id
        forget_request_id varchar not null,
        recorded_at timestamp not null
    """,
    "audit.publications": """
        publication_id varchar not null primary key,
        run_id varchar not null,
        published_at timestamp not null,            -- UTC
        landed_through timestamp,   -- max(raw.load_manifest.landed_at) the marts include
        count_tables integer not null,
        count_rows bigint not null,
        events_loaded_through timestamp,   -- null: the next publish copies whole
        models_rebuilt_whole_at timestamp,
        count_rows_copied bigint
    """,
    "audit.gate_results": """
        run_id varchar not null,
        asset_key varchar not null,       -- e.g. marts/fct_sessions
        check_name varchar not null,      -- the Dagster asset check
        expectation varchar,              -- GX: the expectation; null for other checks
        source varchar not null,          -- great_expectations | dbt | dagster
        severity varchar not null,        -- error | warn
        is_blocking boolean not null,
        passed boolean not null,
        observed varchar,
        threshold varchar,
        checked_at timestamp not null     -- UTC
    """,
}

# (table, column, type, backfill expression or None): columns added after the first release
MIGRATIONS: tuple[tuple[str, str, str, str | None], ...] = (
    ("raw.load_manifest", "file_modified_ns", "bigint", None),
    ("raw.load_manifest", "file_changed_ns", "bigint", None),
    ("raw.load_manifest", "first_line_number", "bigint", "1"),
    ("raw.load_manifest", "read_content_hash", "varchar", None),
    ("raw.load_manifest", "read_size_bytes", "bigint", None),
    ("raw.load_manifest", "count_already_quarantined", "bigint", "0"),
    ("raw.events", "has_analytics_consent", "boolean", analytics_consent_sql("context")),
    ("audit.quarantine", "forget_request_id", "varchar", None),
    ("audit.quarantine", "scrubbed_at", "timestamp", None),
    ("audit.quarantine", "removed_from_raw_at", "timestamp", None),
    ("audit.publications", "events_loaded_through", "timestamp", None),
    ("audit.publications", "models_rebuilt_whole_at", "timestamp", None),
    ("audit.publications", "count_rows_copied", "bigint", None),
)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Creates the missing raw and audit tables and migrates older ones (rows backfilled)."""
    for schema in sorted({table.split(".")[0] for table in TABLES}):
        con.execute(f"create schema if not exists {schema}")
    for table, columns in TABLES.items():
        con.execute(f"create table if not exists {table} ({columns})")
    for table, column, data_type, backfill in MIGRATIONS:
        if has_relation(con, table, column):
            continue
        con.execute(f"alter table {table} add column {column} {data_type}")
        if backfill is not None:
            con.execute(f"update {table} set {column} = {backfill}")


def has_relation(con: duckdb.DuckDBPyConnection, relation: str, column: str | None = None) -> bool:
    """Whether the table or view ``schema.name`` exists (and has ``column``, when given).

    Works on a read-only connection, so readers can ask before they query.
    """
    schema, name = relation.split(".")
    (count,) = con.execute(
        "select count(*) from duckdb_columns() where database_name = current_database()"
        " and schema_name = $1 and table_name = $2 and ($3 is null or column_name = $3)",
        [schema, name, column],
    ).fetchone()
    return bool(count)
