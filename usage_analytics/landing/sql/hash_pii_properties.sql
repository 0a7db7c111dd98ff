-- Hashes, in landing_classified (classify_lines.sql), every property value of the lines of an
-- event whose properties are personal data ($pii_events, the tracking plan's `contains_pii`
-- events), whatever its key: sha256($salt || value), the one hash of personal data
-- (rules.pii_digest_sql), an email address lower-cased and trimmed first
-- (personal_value_text). hash_personal_data.sql then leaves these properties alone.
--
-- A statement of its own, so that only these lines are touched: the expression costs little
-- per line, but evaluated within classify_lines.sql it slowed every batch of lines down.
--
-- Uses the macros of macros.sql. Bound parameters:
--   $salt        salt of the SHA-256 hashes of personal data
--   $pii_events  varchar[]: the events whose property values are personal data

update landing_classified
set properties = cast(to_json(map_from_entries(list_transform(
    json_keys(properties),
    -- the property's JSON pointer: `~` escaped as `~0`, `/` as `~1`
    lambda property_key: struct_pack(
        k := property_key,
        v := sha256($salt || personal_value_text(
            json_extract_string(
                properties, '/' || replace(replace(property_key, '~', '~0'), '/', '~1')
            ),
            normalize_event_name(property_key) = 'email'
        ))
    )
))) as json)
where properties is not null
    and event_name in (select unnest($pii_events::varchar[]))
