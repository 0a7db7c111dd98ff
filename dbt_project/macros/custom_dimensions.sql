{#
    The rows of seeds/custom_dimensions.csv, optionally of one `level` ('event' or 'user'),
    read from the loaded seed when dbt executes (an empty list while parsing, and in unit
    tests, whose fixtures carry no custom dimension). Models that use it declare
    `-- depends_on: {{ ref('custom_dimensions') }}` so the seed loads first; their unit tests
    give `ref('custom_dimensions')` an empty fixture.
#}
{% macro custom_dimensions(level=none) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select dimension_name, level, source_path, data_type
        from {{ ref('custom_dimensions') }}
        {% if level is not none %}where level = '{{ level }}'{% endif %}
        order by dimension_name
    {%- endset -%}
    {%- set dimensions = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- do dimensions.append({
            'name': row['dimension_name'],
            'level': row['level'],
            'source_path': row['source_path'],
            'data_type': row['data_type'],
        }) -%}
    {%- endfor -%}
    {{ return(dimensions) }}
{%- endmacro %}

{#
    The aggregate that gives a user-level value over a user's events: the latest non-null value
    (by event time). Dispatched: DuckDB arg_max, Spark max_by.
#}
{% macro latest_value(value_column, order_column) -%}
    {{ return(adapter.dispatch('latest_value', 'usage_analytics')(value_column, order_column)) }}
{%- endmacro %}

{% macro default__latest_value(value_column, order_column) -%}
    arg_max({{ value_column }}, {{ order_column }}) filter (where {{ value_column }} is not null)
{%- endmacro %}

{% macro spark__latest_value(value_column, order_column) -%}
    max_by({{ value_column }}, {{ order_column }}) filter (where {{ value_column }} is not null)
{%- endmacro %}

{#
    The custom dimension columns of a level as a select list, each followed by a comma:
    `alias.name,` lines, for models that pass the columns through.
#}
{% macro custom_dimension_columns(level=none, alias=none) -%}
    {%- for dimension in custom_dimensions(level) %}
        {% if alias %}{{ alias }}.{% endif %}{{ dimension['name'] }},
    {%- endfor %}
{%- endmacro %}
