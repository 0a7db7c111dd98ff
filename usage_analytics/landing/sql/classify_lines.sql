-- Parses, validates, normalizes and hashes one batch of landed lines (CONTRACT §1) into the
-- temp table landing_classified: one row per line, with its parsed fields and its quarantine
-- `reason` (null when the line is valid; reasons.py lists them in the order tested here).
-- hash_personal_data.sql then hashes the personal keys and email addresses of the valid lines.
--
-- Reads landing_lines (file_path, line_number, line, is_valid_utf8, is_truncated), the batch's
-- lines registered as an Arrow table. Uses the macros of macros.sql. Bound parameters:
--   $landed_at        timestamp of this landing, the default `received_at`
--   $timestamp_floor  timestamp before which events are quarantined
--   $max_line_bytes   the longest line landed, in bytes (reasons.MAX_LINE_BYTES)
--   $salt             salt of the SHA-256 hashes of personal data
--   $pii_events       varchar[]: the events whose property values are personal data
--
-- Everything here is set-based, so landing costs one pass of DuckDB's JSON functions, not a
-- Python loop per line.

create temp table landing_classified as

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

    from landing_lines

),

lines_parsed as (

    -- DuckDB's JSON parser also accepts trailing commas and NaN / Infinity, which are not
    -- JSON (and would be stored verbatim). A cheap pre-filter (the first pattern) finds
    -- candidate lines; on those, string contents are blanked out (the second pattern matches
    -- a JSON string) and the two forms are looked for in what is left (the third pattern).
    select
        *,
        case
            when is_valid_utf8 and strlen(line) <= $max_line_bytes and json_valid(content)
                and not (
                    regexp_matches(content, '(?i),\s*[}\]]|nan|inf')
                    and regexp_matches(
                        regexp_replace(content, '"(?:[^"\\]|\\.)*"', '""', 'g'),
                        '(?i),\s*[}\]]|[:\[,]\s*[+-]?(?:nan|inf|infinity)\s*[,}\]]'
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
        -- The top-level keys landing reads. When one appears twice in a line, which value is
        -- meant is ambiguous (DuckDB reads the first, most other JSON readers the last): the
        -- line is quarantined as duplicate_key.
        case when json_type(doc) = 'OBJECT'
            then list_filter(
                json_keys(doc),
                lambda key: key in (
                    'event_id', 'messageId', 'type', 'event', 'user_id', 'userId',
                    'anonymous_id', 'anonymousId', 'timestamp', 'originalTimestamp',
                    'received_at', 'receivedAt', 'properties', 'context', 'traits'
                )
            )
        end as read_keys,
        coalesce(
            json_scalar_text(doc, '$.event_id'), json_scalar_text(doc, '$.messageId')
        ) as event_id,
        json_type(doc, '$.type') as type_json_type,
        lower(trim(json_extract_string(doc, '$.type'))) as type_text,
        json_type(doc, '$.event') as event_json_type,
        nullif(trim(json_extract_string(doc, '$.event')), '') as event_text,
        coalesce(
            json_scalar_text(doc, '$.user_id'), json_scalar_text(doc, '$.userId')
        ) as user_id,
        coalesce(
            json_scalar_text(doc, '$.anonymous_id'), json_scalar_text(doc, '$.anonymousId')
        ) as anonymous_id,
        coalesce(
            json_present(doc, '$.timestamp'), json_present(doc, '$.originalTimestamp')
        ) as timestamp_json,
        coalesce(
            json_present(doc, '$.received_at'), json_present(doc, '$.receivedAt')
        ) as received_at_json,
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
            then normalize_event_name(event_text) end as event_text_normalized,
        json_iso_timestamp(timestamp_json) as event_at,
        case
            when received_at_json is null then $landed_at
            else json_iso_timestamp(received_at_json)
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
            when strlen(line) > $max_line_bytes then 'line_too_long'
            when not is_valid_utf8 then 'invalid_encoding'
            when regexp_full_match(content, '\s*') then 'empty_line'
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
            when event_at < $timestamp_floor then 'timestamp_before_floor'
            when event_at > received_at + interval 1 day then 'timestamp_after_received_at'
            -- $max_received_at: the landing time plus the allowed clock skew
            when received_at > $max_received_at then 'received_at_in_future'
        end as reason

    from fields_typed

),

personal_values as (

    -- The IP as sent.
    select
        *,
        json_extract_string(context, '$.ip') as context_ip

    from lines_classified

),

lines_hashed as (

    -- Personal data replaced by its salted SHA-256, sha256($salt || value) in lower-case hex:
    -- the one hash of personal data (rules.pii_digest_sql; `forget` hashes ids with it).
    -- Here `context.ip`, and every property value of an event in $pii_events, whatever its key
    -- (an email address lower-cased and trimmed first). Personal keys and email addresses
    -- elsewhere are hashed by hash_personal_data.sql.
    select
        * exclude (context, properties, context_ip),
        case when context_ip is not null
            then json_merge_patch(context, json_object('ip', sha256($salt || context_ip)))
            else context
        end as context,
        case when properties is not null
                and event_name in (select unnest($pii_events::varchar[]))
            then cast(to_json(map_from_entries(list_transform(
                json_keys(properties),
                -- the property's JSON pointer: `~` escaped as `~0`, `/` as `~1`
                lambda property_key: struct_pack(
                    k := property_key,
                    v := sha256($salt || personal_value_text(
                        json_extract_string(
                            properties,
                            '/' || replace(replace(property_key, '~', '~0'), '/', '~1')
                        ),
                        normalize_event_name(property_key) = 'email'
                    ))
                )
            ))) as json)
            else properties
        end as properties

    from personal_values

)

select * from lines_hashed
