-- Parses, validates, normalizes and hashes one batch of landed lines (CONTRACT §1) into the
-- temp table landing_classified: one row per line, with its parsed fields and its quarantine
-- `reason` (null when the line is valid; reasons.py lists them in the order tested here).
--
-- Reads landing_lines (file_path, line_number, line, is_valid_utf8, is_truncated), the batch's
-- lines registered as an Arrow table. Uses the macros of macros.sql. Bound parameters:
--   $landed_at        timestamp of this landing, the default `received_at`
--   $timestamp_floor  timestamp before which events are quarantined
--   $max_line_bytes   the longest line landed, in bytes (reasons.MAX_LINE_BYTES)
--   $salt             salt of the SHA-256 hashes of personal data
--   $pii_events       varchar[]: the events whose property values are personal data
--   $personal_keys    varchar[]: the personal keys (rules.DEFAULT_PERSONAL_KEYS and the seed
--                     personal_keys.csv), normalized like event names
--   $personal_key_pattern  a regular expression matching, in an object's JSON text, every key
--                     that normalizes to one of $personal_keys (rules.personal_key_pattern)
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
        end as reason

    from fields_typed

),

personal_values as (

    -- The IP as sent, and whether every property value is personal (an event in $pii_events).
    select
        *,
        json_extract_string(context, '$.ip') as context_ip,
        properties is not null
            and event_name in (select unnest($pii_events::varchar[])) as is_pii_event

    from lines_classified

),

lines_pii_hashed as (

    -- Personal data replaced by its salted SHA-256, sha256($salt || value) in lower-case hex:
    -- the one hash of personal data (rules.pii_digest_sql; `forget` hashes ids with it).
    -- Here `context.ip`, and every property value of an event in $pii_events, whatever its key.
    select
        * exclude (context, properties, context_ip),
        case when context_ip is not null
            then json_merge_patch(context, json_object('ip', sha256($salt || context_ip)))
            else context
        end as context,
        case when is_pii_event
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

),

personal_documents as (

    -- The objects that may hold personal keys or email addresses, one row each: `properties`
    -- (unless already hashed whole), `traits` and `context`, of valid lines whose text has an
    -- `@` or a key like a personal one ($personal_key_pattern, a superset of the keys that
    -- normalize to one of $personal_keys). Only these are walked, so most lines cost one scan.
    select file_path, line_number, 'properties' as part, properties as document
    from lines_pii_hashed
    where reason is null and not is_pii_event and (
        contains(properties::varchar, '@')
        or regexp_matches(properties::varchar, $personal_key_pattern)
    )

    union all

    select file_path, line_number, 'traits', traits
    from lines_pii_hashed
    where reason is null and (
        contains(traits::varchar, '@') or regexp_matches(traits::varchar, $personal_key_pattern)
    )

    union all

    select file_path, line_number, 'context', context
    from lines_pii_hashed
    where reason is null and (
        contains(context::varchar, '@')
        or regexp_matches(json_extract(context, '$.traits')::varchar, $personal_key_pattern)
    )

),

personal_nodes as (

    -- Every value of those objects at any depth (json_tree), with whether its key is a
    -- personal key. In `context` only the keys under `context.traits` count.
    select
        documents.file_path,
        documents.line_number,
        documents.part,
        nodes.id,
        nodes.fullkey,
        nodes.type,
        nodes.value,
        nodes.key is not null
            and (
                documents.part <> 'context'
                or starts_with(nodes.fullkey, '$.traits.')
                or starts_with(nodes.fullkey, '$.traits[')
            )
            and normalize_event_name(nodes.key) in (
                select unnest($personal_keys::varchar[])
            ) as is_personal_key,
        normalize_event_name(nodes.key) = 'email' as is_email_key

    from personal_documents as documents,
        json_tree(documents.document) as nodes

),

personal_leaves as (

    -- The scalar values to hash: those under a personal key (the key's own value, or any value
    -- nested in it), and strings holding an email address wherever they are. A path found
    -- twice (a key repeated in its object) is ambiguous: the line is quarantined.
    select
        leaves.file_path,
        leaves.line_number,
        leaves.part,
        leaves.id,
        leaves.fullkey,
        personal_value_text(
            json_extract_string(leaves.value, '$'),
            leaves.is_email_key or coalesce(bool_or(keys.is_email_key), false)
        ) as value_text,
        count(*) over (
            partition by leaves.file_path, leaves.line_number, leaves.part, leaves.fullkey
        ) > 1 as is_ambiguous

    from personal_nodes as leaves
    left join personal_nodes as keys
        on leaves.file_path = keys.file_path
        and leaves.line_number = keys.line_number
        and leaves.part = keys.part
        and keys.is_personal_key
        and (
            leaves.fullkey = keys.fullkey
            or starts_with(leaves.fullkey, keys.fullkey || '.')
            or starts_with(leaves.fullkey, keys.fullkey || '[')
        )

    where leaves.type not in ('OBJECT', 'ARRAY', 'NULL')

    group by
        leaves.file_path, leaves.line_number, leaves.part, leaves.id, leaves.fullkey,
        leaves.type, leaves.value, leaves.is_email_key

    having count(keys.id) > 0
        or (leaves.type = 'VARCHAR'
            and contains_email_address(json_extract_string(leaves.value, '$')))

),

personal_replacements as (

    -- Per object, its values to hash as (JSON pointer, hash) pairs, in document order.
    select
        file_path,
        line_number,
        part,
        bool_or(is_ambiguous) as is_ambiguous,
        list(
            struct_pack(
                pointer := json_pointer(fullkey),
                digest := to_json(sha256($salt || value_text))
            )
            order by id
        ) as replacements

    from personal_leaves

    group by file_path, line_number, part

),

personal_documents_hashed as (

    -- Each object with its personal values replaced by their hashes.
    select
        documents.file_path,
        documents.line_number,
        documents.part,
        replacements.is_ambiguous,
        list_reduce(
            replacements.replacements,
            lambda hashed, replacement: json_replace(
                hashed, replacement.pointer, replacement.digest
            ),
            documents.document
        ) as document

    from personal_documents as documents
    inner join personal_replacements as replacements
        on documents.file_path = replacements.file_path
        and documents.line_number = replacements.line_number
        and documents.part = replacements.part

),

personal_lines_hashed as (

    -- One row per line with hashed objects.
    select
        file_path,
        line_number,
        bool_or(is_ambiguous) as has_ambiguous_personal_key,
        any_value(document) filter (where part = 'properties') as properties,
        any_value(document) filter (where part = 'traits') as traits,
        any_value(document) filter (where part = 'context') as context

    from personal_documents_hashed

    group by file_path, line_number

),

lines_hashed as (

    select
        lines.* exclude (reason, properties, traits, context, is_pii_event),
        coalesce(
            lines.reason,
            case when hashed.has_ambiguous_personal_key then 'duplicate_key' end
        ) as reason,
        coalesce(hashed.properties, lines.properties) as properties,
        coalesce(hashed.traits, lines.traits) as traits,
        coalesce(hashed.context, lines.context) as context

    from lines_pii_hashed as lines
    left join personal_lines_hashed as hashed
        on lines.file_path = hashed.file_path
        and lines.line_number = hashed.line_number

)

select * from lines_hashed
