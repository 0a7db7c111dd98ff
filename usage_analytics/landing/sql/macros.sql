-- Landing's repeated expressions, as temporary macros of the landing connection (DuckDB
-- expands a macro where it is called, so a macro costs nothing over writing it out).
-- `create_landing_macros` in rules.py runs this file before classify_lines.sql.


-- CONTRACT §1's event name normalization: a lower-case letter or digit followed by an
-- upper-case letter gets a `_` between them; the name is lower-cased; every run of characters
-- that are not letters or digits (any script) becomes one `_`; `_` at the ends are trimmed.
create or replace temp macro event_name_rule(name) as
    trim(
        regexp_replace(
            lower(regexp_replace(nfc_normalize(name), '([\p{Ll}\p{Nd}])(\p{Lu})', '\1_\2', 'g')),
            '[^\p{L}\p{N}]+',
            '_',
            'g'
        ),
        '_'
    );


-- event_name_rule, with shortcuts for the usual names (the rule costs microseconds a name;
-- landing normalizes every line's): `Title Case Words` only lose their spaces and capitals,
-- `snake_case` stays as it is. The result is the rule's (tests/unit/test_landing_fast_paths.py).
create or replace temp macro normalize_event_name(name) as
    case
        when regexp_full_match(name, '[A-Z][a-z0-9]*(?: [A-Z][a-z0-9]*)*')
            then lower(replace(name, ' ', '_'))
        when regexp_full_match(name, '[a-z0-9]+(?:_[a-z0-9]+)*') then name
        else event_name_rule(name)
    end;


-- A JSON value that DuckDB extracted (written compactly) tells its type by its first
-- character: no parse needed. A string starts with `"`, JSON null is `null`.
create or replace temp macro json_is_string(value) as starts_with(value, '"');


-- The JSON `value` (one field of a line) when it is a string or an integer, as trimmed
-- non-empty text; else null.
create or replace temp macro json_value_text(value) as
    case
        when json_is_string(value) or json_type(value) in ('BIGINT', 'UBIGINT')
            then nullif(trim(json_extract_string(value, '$')), '')
    end;


-- The JSON `value` when it is present and not JSON null; else null.
create or replace temp macro json_not_null(value) as case when value <> 'null' then value end;


-- The JSON `value` when it is an object; else null.
create or replace temp macro json_object_value(value) as
    case when starts_with(value, '{') then value end;


-- Whether a top-level key that landing reads appears twice among `keys` (a line's json_keys),
-- given how many of them the line has (`count_read_keys`: how many of their paths have a
-- value). A line whose every key is a distinct read key (most lines) has as many keys as
-- that: only the keys of the others are counted.
create or replace temp macro has_repeated_read_key(keys, count_read_keys) as
    case when len(keys) > count_read_keys then len(list_filter(
        keys,
        lambda key: key in (
            'event_id', 'messageId', 'type', 'event', 'user_id', 'userId', 'anonymous_id',
            'anonymousId', 'timestamp', 'originalTimestamp', 'received_at', 'receivedAt',
            'properties', 'context', 'traits'
        )
    )) > count_read_keys else false end;


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


-- Whether a UTC offset of `hours` and `minutes` (null: none) is one: under 60 minutes, at
-- most 18:00 (1080 minutes).
create or replace temp macro is_valid_offset(hours, minutes) as
    coalesce(minutes < 60 and hours * 60 + coalesce(minutes, 0) <= 1080, true);


-- A UTC timestamp from ISO-8601 text, or null when it is not one (is_iso_8601) or when its
-- offset has 60 minutes or more or is beyond 18:00 (1080 minutes).
create or replace temp macro iso_timestamp(text) as
    case
        when is_iso_8601(text)
            and is_valid_offset(iso_offset_part(text, 1), iso_offset_part(text, 2))
        then cast(try_cast(upper(text) as timestamptz) as timestamp)
    end;


-- The timestamp of a JSON string value in ISO-8601 (iso_timestamp); null for any other value.
-- The usual forms, `"2024-05-01T10:00:00.123Z"` and `"2024-05-01T10:00:00.123+02:00"`, are
-- cast straight away (no escape to decode, the offset read at its place), with the same
-- result as iso_timestamp's regular expressions: they are slow.
create or replace temp macro json_iso_timestamp(value_json) as
    case
        when regexp_full_match(
            value_json, '"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z"'
        )
            -- as a timestamp without its `Z`: the same instant, and half the cost
            then try_cast(value_json[2:-3] as timestamp)
        when regexp_full_match(
            value_json, '"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?[+-]\d{2}:\d{2}"'
        )
            then case when is_valid_offset(
                cast(value_json[-6:-5] as integer), cast(value_json[-3:-2] as integer)
            ) then cast(try_cast(value_json[2:-2] as timestamptz) as timestamp) end
        when json_is_string(value_json)
            then iso_timestamp(json_extract_string(value_json, '$'))
    end;


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
