{#
    The payload of an event: the columns read from the JSON of its landed copy (`context`,
    `traits`, `properties` of stg_events__events), in their order: page_path, page_url,
    page_referrer, utm_source, utm_medium, utm_campaign, device_type, plan, then the custom
    dimensions (of `custom_dimension_level`, all when none).

    The event models keep no payload (one wide copy of the event grain: fct_events); a model
    that needs it joins the copy its event was deduplicated to (load_id, file_path,
    line_number) and extracts the payload after that join, so only the rows it keeps are
    parsed. Each JSON column is parsed once for all of its paths (json_texts): parsing is
    what costs, and `context` alone holds seven of them.

    Two steps, because the texts are read from the parsed lists:
    - event_payload_parsed(alias, names): select-list items `<column>_texts`, one per JSON
      column the payload reads;
    - event_payload(names): the payload columns, typed, from those lists.
    `plan` is read from identify traits first, then plan/payment properties. `names`
    restricts the payload to some of its columns (none: all of them). Models calling
    them declare `-- depends_on: {{ ref('custom_dimensions') }}`.
#}
{% macro event_payload_fields(custom_dimension_level=none, names=none) -%}
    {%- set fields = [
        {'name': 'page_path', 'sources': [('context', 'page.path')]},
        {'name': 'page_url', 'sources': [('context', 'page.url')]},
        {'name': 'page_referrer', 'sources': [('context', 'page.referrer')]},
        {'name': 'utm_source', 'sources': [('context', 'campaign.source')]},
        {'name': 'utm_medium', 'sources': [('context', 'campaign.medium')]},
        {'name': 'utm_campaign', 'sources': [('context', 'campaign.name')]},
        {'name': 'device_type', 'sources': [('context', 'device.type')]},
        {'name': 'plan', 'sources': [('traits', 'plan'), ('properties', 'plan')]},
    ] -%}
    {%- for dimension in custom_dimensions(custom_dimension_level) -%}
        {%- set parts = dimension['source_path'].split('.', 1) -%}
        {%- do fields.append({
            'name': dimension['name'],
            'sources': [(parts[0], parts[1])],
            'data_type': dimension['data_type'],
        }) -%}
    {%- endfor -%}
    {%- set chosen = [] -%}
    {%- for field in fields if names is none or field['name'] in names -%}
        {%- do chosen.append(field) -%}
    {%- endfor -%}
    {{ return(chosen) }}
{%- endmacro %}

{#
    The JSON columns the fields read, each with its distinct paths in order: a list of
    (column, [path, ...]).
#}
{% macro event_payload_json_paths(fields) -%}
    {%- set columns = [] -%}
    {%- set paths = {} -%}
    {%- for field in fields -%}
        {%- for column, path in field['sources'] -%}
            {%- if column not in paths -%}
                {%- do columns.append(column) -%}
                {%- do paths.update({column: []}) -%}
            {%- endif -%}
            {%- if path not in paths[column] -%}
                {%- do paths[column].append(path) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set column_paths = [] -%}
    {%- for column in columns -%}
        {%- do column_paths.append((column, paths[column])) -%}
    {%- endfor -%}
    {{ return(column_paths) }}
{%- endmacro %}

{% macro event_payload_parsed(alias, custom_dimension_level=none, names=none) -%}
    {%- set fields = event_payload_fields(custom_dimension_level, names) -%}
    {%- set items = [] -%}
    {%- for column, paths in event_payload_json_paths(fields) -%}
        {%- do items.append(json_texts(alias ~ '.' ~ column, paths) ~ ' as ' ~ column ~ '_texts') -%}
    {%- endfor -%}
    {{ items | join(',\n        ') }}
{%- endmacro %}

{% macro event_payload(custom_dimension_level=none, names=none) -%}
    {%- set fields = event_payload_fields(custom_dimension_level, names) -%}
    {%- set column_paths = event_payload_json_paths(fields) -%}
    {%- set positions = {} -%}
    {%- for column, paths in column_paths -%}
        {%- for path in paths -%}
            {%- do positions.update({column ~ '.' ~ path: loop.index}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set items = [] -%}
    {%- for field in fields -%}
        {%- set texts = [] -%}
        {%- for column, path in field['sources'] -%}
            {%- do texts.append(list_item(column ~ '_texts', positions[column ~ '.' ~ path])) -%}
        {%- endfor -%}
        {%- set text = texts[0] if texts | length == 1
            else 'coalesce(' ~ texts | join(', ') ~ ')' -%}
        {#- a text needs no cast to varchar (a type name Spark refuses without a length) -#}
        {%- if field.get('data_type') and field['data_type'] != 'varchar' -%}
            {%- set text = dbt.safe_cast(text, api.Column.translate_type(field['data_type'])) -%}
        {%- endif -%}
        {%- do items.append(text ~ ' as ' ~ field['name']) -%}
    {%- endfor -%}
    {{ items | join(',\n        ') }}
{%- endmacro %}

{# The payload column names as a select list (commas between, none after the last). #}
{% macro event_payload_columns(custom_dimension_level=none, names=none, alias=none) -%}
    {%- set fields = event_payload_fields(custom_dimension_level, names) -%}
    {{- select_list(fields | map(attribute='name') | list, alias) }}
{%- endmacro %}

{#
    The join condition from an event of the narrow event models (`event`) to the landed copy
    it was deduplicated to (`copy`, stg_events__events): the copy's load, file and line.
#}
{% macro kept_copy_of(event, copy) -%}
    {{ event }}.load_id = {{ copy }}.load_id
    and {{ event }}.file_path = {{ copy }}.file_path
    and {{ event }}.line_number = {{ copy }}.line_number
{%- endmacro %}
