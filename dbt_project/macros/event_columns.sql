{#
    The columns of an event copy from staging on, in their order, as a select list (comma
    between columns, none after the last): event_id, event_type, event_name,
    event_name_original, user_id, anonymous_id, user_id_key, anonymous_id_key, event_at,
    received_at, loaded_at, load_id, file_path, line_number (stg_events__events,
    int_events_deduplicated). The copy's payload stays in its JSON until a model extracts it
    (macro event_payload); (load_id, file_path, line_number) names the copy.
#}
{% macro event_columns(alias=none) -%}
    {{- select_list([
        'event_id', 'event_type', 'event_name', 'event_name_original',
        'user_id', 'anonymous_id', 'user_id_key', 'anonymous_id_key',
        'event_at', 'received_at', 'loaded_at', 'load_id', 'file_path', 'line_number',
    ], alias) }}
{%- endmacro %}
