-- Hashes the personal data of the valid lines of landing_classified (classify_lines.sql), in
-- place (CONTRACT §1, docs/privacy.md): every value under a personal key anywhere in
-- `properties`, `traits` and `context.traits` (nested objects and arrays included), and every
-- string holding an email address anywhere in `properties`, `traits` and `context`. A line
-- with personal data in an object where a key repeats is quarantined as `duplicate_key` (its
-- text is then restored from landing_lines: land._restore_quarantined_text).
--
-- Uses the macros of macros.sql. Bound parameters:
--   $salt                  salt of the SHA-256 hashes of personal data
--   $pii_events            varchar[]: the events whose property values classify_lines.sql
--                          hashed whole (their properties are left alone here)
--   $personal_keys         varchar[]: the personal keys (rules.DEFAULT_PERSONAL_KEYS and the
--                          seed personal_keys.csv), normalized like event names
--   $personal_key_pattern  a regular expression matching, in an object's JSON text, every key
--                          that normalizes to one of $personal_keys (rules.personal_key_pattern)
--
-- Only the objects whose text has an `@` or a key like a personal one are walked (json_tree),
-- and only their lines are updated: a batch without personal data costs one scan of the text.

with

personal_documents as (

    -- The objects that may hold personal keys or email addresses, one row each: `properties`
    -- (unless hashed whole already), `traits` and `context` of the valid lines, when their
    -- text has an `@` or a key like a personal one ($personal_key_pattern matches every key
    -- that normalizes to a personal key, and a few more).
    select row_number() over () as document_id, *
    from (
        select file_path, line_number, 'properties' as part, properties as document
        from landing_classified
        where reason is null
            and (event_name in (select unnest($pii_events::varchar[]))) is not true
            and (
                contains(properties::varchar, '@')
                or regexp_matches(properties::varchar, $personal_key_pattern)
            )

        union all

        select file_path, line_number, 'traits', traits
        from landing_classified
        where reason is null
            and (
                contains(traits::varchar, '@')
                or regexp_matches(traits::varchar, $personal_key_pattern)
            )

        union all

        select file_path, line_number, 'context', context
        from landing_classified
        where reason is null
            and (
                contains(context::varchar, '@')
                or regexp_matches(context_traits, $personal_key_pattern)
            )
    )

),

document_nodes as (

    -- Every value of those objects, at any depth.
    select
        documents.document_id,
        documents.part,
        nodes.id,
        nodes.key,
        nodes.fullkey,
        nodes.type,
        nodes.value

    from personal_documents as documents,
        json_tree(documents.document) as nodes

),

node_keys as (

    -- Each key met, normalized once (keys repeat from line to line).
    select
        key,
        normalize_event_name(key) in (select unnest($personal_keys::varchar[]))
            as is_personal_key,
        normalize_event_name(key) = 'email' as is_email_key

    from (select distinct key from document_nodes where key is not null)

),

personal_key_nodes as (

    -- The values of personal keys; in `context`, only the keys under `context.traits` count.
    select
        nodes.document_id,
        nodes.fullkey,
        node_keys.is_email_key

    from document_nodes as nodes
    inner join node_keys on nodes.key = node_keys.key

    where node_keys.is_personal_key
        and (
            nodes.part <> 'context'
            or starts_with(nodes.fullkey, '$.traits.')
            or starts_with(nodes.fullkey, '$.traits[')
        )

),

personal_leaves as (

    -- The scalar values to hash: those under a personal key (the key's own value, or any value
    -- nested in it), and strings holding an email address wherever they are; an email address
    -- (or any value of an `email` key) lower-cased and trimmed (personal_value_text).
    select
        leaves.document_id,
        leaves.fullkey,
        personal_value_text(
            json_extract_string(leaves.value, '$'), coalesce(bool_or(keys.is_email_key), false)
        ) as value_text

    from document_nodes as leaves
    left join personal_key_nodes as keys
        on leaves.document_id = keys.document_id
        and (
            leaves.fullkey = keys.fullkey
            or starts_with(leaves.fullkey, keys.fullkey || '.')
            or starts_with(leaves.fullkey, keys.fullkey || '[')
        )

    where leaves.type not in ('OBJECT', 'ARRAY', 'NULL')

    group by leaves.document_id, leaves.id, leaves.fullkey, leaves.type, leaves.value

    having count(keys.fullkey) > 0
        or (
            leaves.type = 'VARCHAR'
            and contains_email_address(json_extract_string(leaves.value, '$'))
        )

),

documents_with_repeated_keys as (

    -- The objects in which a path is found twice (a key repeated in its object, at any level):
    -- json_replace reaches only the first of the two, so their personal values are ambiguous.
    select distinct document_id

    from document_nodes

    group by document_id, fullkey

    having count(*) > 1

),

personal_replacements as (

    -- Per object, its values to hash as (path, hash) pairs: distinct leaves, so their order
    -- does not matter. json_replace takes json_tree's path, except one naming an empty key
    -- (`$.""`), which goes as a JSON pointer.
    select
        document_id,
        document_id in (select document_id from documents_with_repeated_keys) as is_ambiguous,
        list(
            struct_pack(
                path := case
                    when contains(fullkey, '""') then json_pointer(fullkey) else fullkey
                end,
                digest := to_json(sha256($salt || value_text))
            )
        ) as replacements

    from personal_leaves

    group by document_id

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
            lambda hashed, replacement: json_replace(hashed, replacement.path, replacement.digest),
            documents.document
        ) as document

    from personal_documents as documents
    inner join personal_replacements as replacements
        on documents.document_id = replacements.document_id

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

)

update landing_classified as lines
set
    properties = coalesce(hashed.properties, lines.properties),
    traits = coalesce(hashed.traits, lines.traits),
    context = coalesce(hashed.context, lines.context),
    reason = case when hashed.has_ambiguous_personal_key then 'duplicate_key' end
from personal_lines_hashed as hashed
where lines.file_path = hashed.file_path
    and lines.line_number = hashed.line_number
