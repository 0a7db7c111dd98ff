-- Landing's repeated expressions, as temporary macros of the landing connection (DuckDB
-- expands a macro where it is called, so a macro costs nothing over writing it out).
-- `create_landing_macros` in rules.py runs this file before classify_lines.sql.


-- CONTRACT §1's event name normalization: a lower-case letter or digit followed by an
-- upper-case letter gets a `_` between them; the name is lower-cased; every run of characters
-- that are not letters or digits (any script) becomes one `_`; `_` at the ends are trimmed.
create or replace temp macro normalize_event_name(name) as
    trim(
        regexp_replace(
            lower(regexp_replace(nfc_normalize(name), '([\p{Ll}\p{Nd}])(\p{Lu})', '\1_\2', 'g')),
            '[^\p{L}\p{N}]+',
            '_',
            'g'
        ),
        '_'
    );


-- The value at `path` of the JSON `doc` when it is a string or an integer, as trimmed
-- non-empty text; else null.
create or replace temp macro json_scalar_text(doc, path) as
    case when json_type(doc, path) in ('VARCHAR', 'BIGINT', 'UBIGINT')
        then nullif(trim(json_extract_string(doc, path)), '') end;


-- The JSON value at `path` of `doc` when it is present and not JSON null; else null.
create or replace temp macro json_present(doc, path) as
    case when json_type(doc, path) <> 'NULL' then json_extract(doc, path) end;


-- The hours (part 1) or the minutes (part 2) of the UTC offset ending an ISO-8601 date-time
-- text, as an integer; null when it has none. The pattern matches the offset of a date-time,
-- never the "-dd" of a date-only value.
create or replace temp macro iso_offset_part(text, part) as
    cast(nullif(regexp_extract(
        text, '[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?[+-](\d{2}):?(\d{2})?$', part
    ), '') as integer);


-- Whether `text` is an ISO-8601 date or date-time, with an optional fraction and an optional
-- Z / +hh:mm / +hhmm / +hh offset.
create or replace temp macro is_iso_8601(text) as regexp_full_match(
    text, '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$'
);


-- A UTC timestamp from ISO-8601 text, or null when it is not one (is_iso_8601) or when its
-- offset has 60 minutes or more or is beyond 18:00 (1080 minutes).
create or replace temp macro iso_timestamp(text) as
    case
        when is_iso_8601(text)
            and coalesce(
                iso_offset_part(text, 2) < 60
                    and iso_offset_part(text, 1) * 60 + coalesce(iso_offset_part(text, 2), 0)
                        <= 1080,
                true
            )
        then cast(try_cast(upper(text) as timestamptz) as timestamp)
    end;


-- The timestamp of a JSON string value in ISO-8601 (iso_timestamp); null for any other value.
create or replace temp macro json_iso_timestamp(value_json) as
    case when json_type(value_json) = 'VARCHAR'
        then iso_timestamp(json_extract_string(value_json, '$')) end;


-- Whether `text` holds an email address: a local part, `@`, and a domain of dotted labels
-- ending in a top-level domain of two letters or more (so `5@3.99` or `@handle` do not).
create or replace temp macro contains_email_address(text) as regexp_matches(
    text, '[\p{L}\p{N}._%+''-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}'
);


-- Whether `text`, trimmed, is one email address as a whole (contains_email_address's form).
create or replace temp macro is_email_address(text) as regexp_full_match(
    trim(text), '[\p{L}\p{N}._%+''-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}'
);


-- The text a personal value is hashed from: an email address (a value of an `email` key, or
-- a value that is one address) lower-cased and trimmed, so one address hashes to one value;
-- any other value as sent.
create or replace temp macro personal_value_text(text, is_email_key) as
    case when is_email_key or is_email_address(text) then lower(trim(text)) else text end;


-- The JSON pointer (RFC 6901, `/a/0/b`) of a JSONPath as json_tree writes it in `fullkey`
-- (`$.a[0]."b c"`): json_replace takes both, but only a pointer can name an empty key.
create or replace temp macro json_pointer(fullkey) as
    array_to_string(list_transform(
        regexp_extract_all(fullkey, '\.(?:"(?:[^"\\]|\\.)*"|[^."\[]+)|\[\d+\]'),
        lambda step: '/' || replace(replace(
            case
                when starts_with(step, '[') then step[2:-2]
                when starts_with(step, '."')
                    then regexp_replace(step[3:-2], '(?s)\\(.)', '\1', 'g')
                else step[2:]
            end,
            '~', '~0'), '/', '~1')
    ), '');
