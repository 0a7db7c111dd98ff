-- Parses, validates, normalizes and hashes one batch of landed lines (CONTRACT §1) into the
-- temp table landing_classified: one row per line, with its parsed fields and its quarantine
-- `reason` (null when the line is valid; reasons.py lists them in the order tested here).
-- hash_personal_data.sql then hashes the personal keys and email addresses of the valid lines.
--
-- Reads landing_lines (file_path, line_number, line, content, is_valid_utf8, is_truncated), the
-- batch's lines registered as an Arrow table (files.read_lines). Uses the macros of macros.sql.
-- Bound parameters:
--   $landed_at        timestamp of this landing, the default `received_at`
--   $timestamp_floor  timestamp before which events are quarantined
--   $max_line_bytes   the longest line landed, in bytes (reasons.MAX_LINE_BYTES)
--   $salt             salt of the SHA-256 hashes of personal data
--   $max_received_at  the landing time plus the allowed clock skew
--   $consent_paths    varchar[]: where a line's `context` says whether its person refused
--                     analytics (rules.CONSENT_PATHS)
--
-- Speed: every line is parsed three times in all (json_valid; one json_extract of every
-- field landing reads, by a list of paths; json_keys for the duplicate-key rule), never once
-- per field: a JSON function given a path re-parses the whole line. The types and texts of the
-- fields are then read from their small JSON values.

create temp table landing_classified as

with

lines as (

    select
        file_path,
        line_number,
        line,
        is_valid_utf8,
        is_truncated,
        strlen(line) > $max_line_bytes as is_too_long,
        -- the line without a carriage return ending it nor a byte-order mark starting it
        content

    from landing_lines

),

lines_parsed as (

    -- DuckDB's JSON parser also accepts trailing commas and NaN / Infinity, which are not
    -- JSON (and would be stored verbatim). Cheap pre-filters (a literal `nan` or `inf` in any
    -- case, or a comma before a closing bracket) find candidate lines; on those, string
    -- contents are blanked out (the first pattern matches a JSON string) and the two forms
    -- are looked for in what is left (the second pattern).
    select
        *,
        -- (each test in its own WHEN: a row goes no further than the first that decides it)
        case
            when not is_valid_utf8 or is_too_long then false
            when not json_valid(content) then false
            when regexp_matches(content, '(?i)nan')
                or regexp_matches(content, '(?i)inf')
                or regexp_matches(content, ',\s*[}\]]')
                then not regexp_matches(
                    regexp_replace(content, '"(?:[^"\\]|\\.)*"', '""', 'g'),
                    '(?i),\s*[}\]]|[:\[,]\s*[+-]?(?:nan|inf|infinity)\s*[,}\]]'
                )
            else true
        end as is_json

    from lines

),

lines_read as (

    -- The fields landing reads, as JSON values, from one parse of the line (a missing key
    -- gives null). `context.ip`, `context.traits` and the consent flags are read here too, so
    -- that no later step parses `context` for them.
    select
        *,
        case when is_json then regexp_matches(content, '^[ \t\n\r]*\{') end as is_object,
        case when is_json then json_extract(content, [
            '$.event_id', '$.messageId', '$.type', '$.event', '$.user_id', '$.userId',
            '$.anonymous_id', '$.anonymousId', '$.timestamp', '$.originalTimestamp',
            '$.received_at', '$.receivedAt', '$.properties', '$.context', '$.traits',
            '$.context.ip', '$.context.traits'
        ] || $consent_paths) end as field_values

    from lines_parsed

),

lines_keyed as (

    -- The field values as columns (a macro given `field_values[i]` would extract it again
    -- wherever it uses it), and the top-level keys.
    select
        * exclude (field_values),
        field_values[1] as event_id_json,
        field_values[2] as message_id_json,
        field_values[3] as type_json,
        field_values[4] as event_json,
        field_values[5] as user_id_json,
        field_values[6] as user_id_alias_json,
        field_values[7] as anonymous_id_json,
        field_values[8] as anonymous_id_alias_json,
        field_values[9] as timestamp_value_json,
        field_values[10] as original_timestamp_json,
        field_values[11] as received_at_value_json,
        field_values[12] as received_at_alias_json,
        field_values[13] as properties_json,
        field_values[14] as context_json,
        field_values[15] as traits_json,
        field_values[16] as context_ip_json,
        field_values[17] as context_traits,
        field_values[18:] as consent_values,
        case when is_object then json_keys(content) end as top_level_keys

    from lines_read

),

fields as (

    select
        file_path,
        line_number,
        line,
        is_valid_utf8,
        is_truncated,
        is_too_long,
        -- only white space (a JSON text never is)
        case when not is_json then regexp_full_match(content, '\s*') else false end as is_blank,
        is_json,
        is_object,
        -- The top-level keys landing reads. When one appears twice in a line, which value is
        -- meant is ambiguous (DuckDB reads the first, most other JSON readers the last): the
        -- line is quarantined as duplicate_key. Only the keys of a line with more keys than
        -- read keys are filtered (has_repeated_read_key).
        has_repeated_read_key(
            top_level_keys,
            -- how many of the read keys the line has
            (event_id_json is not null)::integer
            + (message_id_json is not null)::integer
            + (type_json is not null)::integer
            + (event_json is not null)::integer
            + (user_id_json is not null)::integer
            + (user_id_alias_json is not null)::integer
            + (anonymous_id_json is not null)::integer
            + (anonymous_id_alias_json is not null)::integer
            + (timestamp_value_json is not null)::integer
            + (original_timestamp_json is not null)::integer
            + (received_at_value_json is not null)::integer
            + (received_at_alias_json is not null)::integer
            + (properties_json is not null)::integer
            + (context_json is not null)::integer
            + (traits_json is not null)::integer
        ) as has_duplicate_key,
        coalesce(
            json_value_text(event_id_json), json_value_text(message_id_json)
        ) as event_id,
        coalesce(type_json, 'null') = 'null' as is_type_absent,
        json_is_string(type_json) as is_type_string,
        lower(trim(json_extract_string(type_json, '$'))) as type_text,
        coalesce(event_json, 'null') = 'null' as is_event_absent,
        json_is_string(event_json) as is_event_string,
        nullif(trim(json_extract_string(event_json, '$')), '') as event_text,
        coalesce(
            json_value_text(user_id_json), json_value_text(user_id_alias_json)
        ) as user_id,
        coalesce(
            json_value_text(anonymous_id_json), json_value_text(anonymous_id_alias_json)
        ) as anonymous_id,
        coalesce(
            json_not_null(timestamp_value_json), json_not_null(original_timestamp_json)
        ) as timestamp_json,
        coalesce(
            json_not_null(received_at_value_json), json_not_null(received_at_alias_json)
        ) as received_at_json,
        json_object_value(properties_json) as properties,
        json_object_value(context_json) as context,
        json_object_value(traits_json) as traits,
        context_ip_json,
        context_traits,
        -- false only when a consent path holds JSON false (rules.analytics_consent_sql)
        not coalesce(list_contains(consent_values, 'false'), false) as has_analytics_consent

    from lines_keyed

),

fields_typed as (

    select
        *,
        case
            when is_type_absent then 'track'
            when is_type_string
                and type_text in ('track', 'page', 'screen', 'identify') then type_text
        end as event_type,
        case when is_event_string and event_text is not null
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
        json_extract_string(context_ip_json, '$') as context_ip,
        case
            when event_type = 'page' then 'page_view'
            when event_type = 'screen' then 'screen_view'
            when event_type = 'identify' then 'identify'
            else event_text_normalized
        end as event_name,
        coalesce(event_text, event_type) as event_name_original,
        case
            when is_truncated then 'truncated_file'
            when is_too_long then 'line_too_long'
            when not is_valid_utf8 then 'invalid_encoding'
            when is_blank then 'empty_line'
            when not is_json then 'invalid_json'
            when not is_object then 'not_an_object'
            when has_duplicate_key then 'duplicate_key'
            when event_id is null then 'missing_event_id'
            when event_type is null then 'invalid_type'
            when event_type = 'track'
                and (is_event_absent or (is_event_string and event_text is null))
                then 'missing_event'
            when event_type = 'track'
                and (not is_event_string or event_text_normalized = '')
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

lines_hashed as (

    -- Personal data replaced by its salted SHA-256, sha256($salt || value) in lower-case hex:
    -- the one hash of personal data (rules.pii_digest_sql; `forget` hashes ids with it).
    -- Here `context.ip`. The property values of the events in $pii_events are hashed by
    -- hash_pii_properties.sql, personal keys and email addresses elsewhere by
    -- hash_personal_data.sql.
    select
        file_path,
        line_number,
        -- the text is kept for the quarantine only
        case when reason is not null then line end as line,
        reason,
        event_id,
        event_type,
        event_name,
        event_name_original,
        user_id,
        anonymous_id,
        event_at,
        received_at,
        case
            when context_ip is null then context
            -- The usual context: `ip`, a string, is its last key and the only one anywhere.
            -- json_merge_patch would give the same (every key but `ip` as it was, then `ip`).
            when starts_with(context_ip_json, '"')
                and ends_with(context, ',"ip":' || context_ip_json || '}')
                and strlen(context) - strlen(replace(context, '"ip":', '')) = 5
                then replace(
                    context,
                    ',"ip":' || context_ip_json || '}',
                    ',"ip":"' || sha256($salt || context_ip) || '"}'
                )
            else json_merge_patch(context, json_object('ip', sha256($salt || context_ip)))
        end as context,
        properties,
        traits,
        context_traits,
        has_analytics_consent

    from lines_classified

)

select * from lines_hashed
