{#
    The columns an event carries from staging on, in their order, as a select list (comma
    between columns, none after the last). `part`:
    - 'all': event_id, event_type, event_name, event_name_original, user_id, anonymous_id,
      user_id_key, anonymous_id_key, event_at, received_at, loaded_at, load_id, file_path,
      line_number, then the payload (stg_events__events, int_events_deduplicated);
    - 'payload': page_path, page_url, page_referrer, utm_source, utm_medium, utm_campaign,
      device_type, plan, the custom dimension columns (of `custom_dimension_level`, all
      when none), properties: the part every event model passes through unchanged
      (int_events_identified, int_events_sessionized, fct_events).
    Models calling it declare `-- depends_on: {{ ref('custom_dimensions') }}`.
#}
{% macro event_columns(part='all', alias=none, custom_dimension_level=none) -%}
    {%- set landing = [
        'event_id', 'event_type', 'event_name', 'event_name_original',
        'user_id', 'anonymous_id', 'user_id_key', 'anonymous_id_key',
        'event_at', 'received_at', 'loaded_at', 'load_id', 'file_path', 'line_number',
    ] -%}
    {%- set payload = [
        'page_path', 'page_url', 'page_referrer',
        'utm_source', 'utm_medium', 'utm_campaign',
        'device_type', 'plan',
    ] -%}
    {%- for dimension in custom_dimensions(custom_dimension_level) -%}
        {%- do payload.append(dimension['name']) -%}
    {%- endfor -%}
    {%- do payload.append('properties') -%}
    {%- if part == 'all' -%}
        {%- set names = landing + payload -%}
    {%- elif part == 'payload' -%}
        {%- set names = payload -%}
    {%- else -%}
        {%- do exceptions.raise_compiler_error(
            "event_columns: part is 'all' or 'payload', not '" ~ part ~ "'"
        ) -%}
    {%- endif -%}
    {{- select_list(names, alias) }}
{%- endmacro %}
