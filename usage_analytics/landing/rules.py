"""The SQL that parses, validates and normalizes landed lines (DuckDB dialect).

Everything here runs as set-based SQL over an Arrow table of lines, so landing costs one pass
of DuckDB's JSON functions, not a Python loop per line.
"""

from usage_analytics.landing.reasons import MAX_LINE_BYTES

# ISO-8601 date or date-time with optional fraction and optional Z / +hh:mm / +hhmm / +hh offset.
ISO_TIMESTAMP_RE = (
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$"
)
# The offset of a date-time (never the "-dd" of a date-only value): hours in group 1, minutes 2.
OFFSET_RE = r"[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?[+-](\d{2}):?(\d{2})?$"
MAX_OFFSET_MINUTES = 18 * 60
# DuckDB's JSON parser also accepts trailing commas and NaN / Infinity, which are not JSON (and
# would be stored verbatim). A cheap pre-filter finds candidate lines; on those, string contents
# are blanked out and the two forms are looked for in what is left.
LENIENT_JSON_HINT_RE = r"(?i),\s*[}\]]|nan|inf"
JSON_STRING_RE = r'"(?:[^"\\]|\\.)*"'
LENIENT_JSON_RE = r"(?i),\s*[}\]]|[:\[,]\s*[+-]?(?:nan|inf|infinity)\s*[,}\]]"
# The top-level keys landing reads. When one appears twice in a line, which value is meant is
# ambiguous (DuckDB reads the first, most other JSON readers the last): the line is quarantined.
READ_KEYS = (
    "event_id",
    "messageId",
    "type",
    "event",
    "user_id",
    "userId",
    "anonymous_id",
    "anonymousId",
    "timestamp",
    "originalTimestamp",
    "received_at",
    "receivedAt",
    "properties",
    "context",
    "traits",
)


def normalize_event_name_sql(column: str) -> str:
    """SQL for CONTRACT §1's event name normalization of ``column``.

    A lower-case letter or digit followed by an upper-case letter gets a ``_`` between them;
    the name is lower-cased; every run of characters that are not letters or digits (any
    script) becomes one ``_``; ``_`` at the ends are trimmed.
    """
    split_camel = (
        rf"regexp_replace(nfc_normalize({column}), '([\p{{Ll}}\p{{Nd}}])(\p{{Lu}})', '\1_\2', 'g')"
    )
    separated = rf"regexp_replace(lower({split_camel}), '[^\p{{L}}\p{{N}}]+', '_', 'g')"
    return f"trim({separated}, '_')"


def _scalar_text(doc: str, *keys: str) -> str:
    """The first of ``keys`` holding a string or integer, as trimmed non-empty text."""
    parts = [
        f"""case when json_type({doc}, '$."{key}"') in ('VARCHAR', 'BIGINT', 'UBIGINT')
            then nullif(trim(json_extract_string({doc}, '$."{key}"')), '') end"""
        for key in keys
    ]
    return f"coalesce({', '.join(parts)})"


def _first_present(doc: str, *keys: str) -> str:
    """The JSON value of the first of ``keys`` that is present and not null."""
    parts = [
        f"""case when json_type({doc}, '$."{key}"') <> 'NULL'
            then json_extract({doc}, '$."{key}"') end"""
        for key in keys
    ]
    return f"coalesce({', '.join(parts)})"


def _parse_timestamp(value_json: str) -> str:
    """A UTC timestamp from a JSON string value in ISO-8601, or null when it is not one."""
    text = f"json_extract_string({value_json}, '$')"
    return f"""case
        when json_type({value_json}) = 'VARCHAR'
            and regexp_full_match({text}, '{ISO_TIMESTAMP_RE}')
            and coalesce(
                cast(nullif(regexp_extract({text}, '{OFFSET_RE}', 2), '') as integer) < 60
                and cast(nullif(regexp_extract({text}, '{OFFSET_RE}', 1), '') as integer) * 60
                    + coalesce(
                        cast(nullif(regexp_extract({text}, '{OFFSET_RE}', 2), '') as integer), 0
                    ) <= {MAX_OFFSET_MINUTES},
                true
            )
        then cast(try_cast(upper({text}) as timestamptz) as timestamp)
    end"""


def classify_lines_sql(lines_table: str, landed_at_sql: str, timestamp_floor_sql: str) -> str:
    """A query over ``lines_table`` (file_path, line_number, line, is_valid_utf8, is_truncated)
    that returns
    one row per line with its parsed fields and its quarantine ``reason`` (null when valid).

    Args:
        lines_table: Name of the table or view of lines.
        landed_at_sql: SQL timestamp of this landing (the default ``received_at``).
        timestamp_floor_sql: SQL timestamp before which events are quarantined.
    """
    return f"""
with

lines as (

    select
        file_path,
        line_number,
        line,
        is_valid_utf8,
        is_truncated,
        -- A carriage return ending the line (CRLF) and a byte-order mark starting it (files
        -- concatenated after the first BOM was stripped) are not content.
        rtrim(
            case when starts_with(line, chr(65279)) then substr(line, 2) else line end, chr(13)
        ) as content

    from {lines_table}

),

lines_parsed as (

    select
        *,
        case
            when is_valid_utf8 and strlen(line) <= {MAX_LINE_BYTES} and json_valid(content)
                and not (
                    regexp_matches(content, '{LENIENT_JSON_HINT_RE}')
                    and regexp_matches(
                        regexp_replace(content, '{JSON_STRING_RE}', '""', 'g'),
                        '{LENIENT_JSON_RE}'
                    )
                )
                then cast(content as json)
        end as doc

    from lines

),

fields as (

    select
        *,
        json_type(doc) as doc_type,
        case when json_type(doc) = 'OBJECT'
            then list_filter(json_keys(doc), lambda key: key in {READ_KEYS!r}) end as read_keys,
        {_scalar_text("doc", "event_id", "messageId")} as event_id,
        json_type(doc, '$.type') as type_json_type,
        lower(trim(json_extract_string(doc, '$.type'))) as type_text,
        json_type(doc, '$.event') as event_json_type,
        nullif(trim(json_extract_string(doc, '$.event')), '') as event_text,
        {_scalar_text("doc", "user_id", "userId")} as user_id,
        {_scalar_text("doc", "anonymous_id", "anonymousId")} as anonymous_id,
        {_first_present("doc", "timestamp", "originalTimestamp")} as timestamp_json,
        {_first_present("doc", "received_at", "receivedAt")} as received_at_json,
        case when json_type(doc, '$.properties') = 'OBJECT'
            then json_extract(doc, '$.properties') end as properties,
        case when json_type(doc, '$.context') = 'OBJECT'
            then json_extract(doc, '$.context') end as context,
        case when json_type(doc, '$.traits') = 'OBJECT'
            then json_extract(doc, '$.traits') end as traits

    from lines_parsed

),

fields_typed as (

    select
        *,
        case
            when type_json_type is null or type_json_type = 'NULL' then 'track'
            when type_json_type = 'VARCHAR'
                and type_text in ('track', 'page', 'screen', 'identify') then type_text
        end as event_type,
        case when event_json_type = 'VARCHAR' and event_text is not null
            then {normalize_event_name_sql("event_text")} end as event_text_normalized,
        {_parse_timestamp("timestamp_json")} as event_at,
        case
            when received_at_json is null then {landed_at_sql}
            else {_parse_timestamp("received_at_json")}
        end as received_at

    from fields

),

lines_classified as (

    select
        *,
        case
            when event_type = 'page' then 'page_view'
            when event_type = 'screen' then 'screen_view'
            when event_type = 'identify' then 'identify'
            else event_text_normalized
        end as event_name,
        coalesce(event_text, event_type) as event_name_original,
        case
            when is_truncated then 'truncated_file'
            when strlen(line) > {MAX_LINE_BYTES} then 'line_too_long'
            when not is_valid_utf8 then 'invalid_encoding'
            when regexp_full_match(content, '\\s*') then 'empty_line'
            when doc is null then 'invalid_json'
            when doc_type <> 'OBJECT' then 'not_an_object'
            when len(read_keys) > len(list_distinct(read_keys)) then 'duplicate_key'
            when event_id is null then 'missing_event_id'
            when event_type is null then 'invalid_type'
            when event_type = 'track'
                and (event_json_type is null or event_json_type = 'NULL'
                    or (event_json_type = 'VARCHAR' and event_text is null))
                then 'missing_event'
            when event_type = 'track'
                and (event_json_type <> 'VARCHAR' or event_text_normalized = '')
                then 'invalid_event_name'
            when user_id is null and anonymous_id is null then 'missing_user'
            when timestamp_json is null then 'missing_timestamp'
            when event_at is null then 'invalid_timestamp'
            when received_at is null then 'invalid_received_at'
            when event_at < {timestamp_floor_sql} then 'timestamp_before_floor'
            when event_at > received_at + interval 1 day then 'timestamp_after_received_at'
        end as reason

    from fields_typed

)

select * from lines_classified
"""


def pii_digest_sql(salt_sql: str, value_sql: str) -> str:
    """SQL of the salted SHA-256 of ``value_sql`` (lower-case hex), the one hash of personal
    data: landing hashes emails, IPs and PII properties with it, ``forget`` hashes ids with it.
    """
    return f"sha256({salt_sql} || {value_sql})"


def _is_json_false(doc: str, path: str) -> str:
    return f"""coalesce(json_type({doc}, '{path}') = 'BOOLEAN'
        and json_extract_string({doc}, '{path}') = 'false', false)"""


def analytics_consent_sql(context: str) -> str:
    """SQL: false only when the event says the person refused analytics, else true.

    Refusal is ``context.consent.analytics`` set to JSON ``false``, or Segment's consent
    object ``context.consent.categoryPreferences.analytics`` (or ``Analytics``) set to
    ``false``. A missing, null or non-boolean value is not a refusal.
    """
    paths = (
        "$.consent.analytics",
        "$.consent.categoryPreferences.analytics",
        "$.consent.categoryPreferences.Analytics",
    )
    refusals = " or ".join(_is_json_false(context, path) for path in paths)
    return f"not ({refusals})"


def hash_pii_sql(salt_sql: str, pii_events_sql: str) -> dict[str, str]:
    """SQL expressions that hash personal data of a classified line (CONTRACT §1).

    ``traits.email`` and ``context.traits.email`` are lower-cased and trimmed before hashing
    (so one address hashes to one value), ``context.ip`` is hashed as sent, and every property
    value of an event in ``pii_events_sql`` (a subquery of event names) is hashed.
    """

    def digest(value: str) -> str:
        return pii_digest_sql(salt_sql, value)

    email = "lower(trim(json_extract_string(traits, '$.email')))"
    context_email = "lower(trim(json_extract_string(context, '$.traits.email')))"
    ip = "json_extract_string(context, '$.ip')"
    traits = f"""case when {email} is not null
        then json_merge_patch(traits, json_object('email', {digest(email)}))
        else traits end"""
    context_ip = f"""case when {ip} is not null
        then json_merge_patch(context, json_object('ip', {digest(ip)}))
        else context end"""
    context = f"""case when {context_email} is not null
        then json_merge_patch({context_ip},
            json_object('traits', json_object('email', {digest(context_email)})))
        else {context_ip} end"""
    pointer = "'/' || replace(replace(property_key, '~', '~0'), '/', '~1')"
    value = f"json_extract_string(properties, {pointer})"
    properties = f"""case when properties is not null and event_name in ({pii_events_sql})
        then cast(to_json(map_from_entries(list_transform(
            json_keys(properties),
            lambda property_key: struct_pack(k := property_key, v := {digest(value)})
        ))) as json)
        else properties end"""
    return {"traits": traits, "context": context, "properties": properties}
