{#
    The text at a JSONPath-like dotted `path` (e.g. 'page.path') of a JSON `column`, or null.
    DuckDB: json_extract_string; Spark: get_json_object; others can add their dispatch.
#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'usage_analytics')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    json_extract_string({{ column }}, '$.{{ path }}')
{%- endmacro %}

{% macro spark__json_text(column, path) -%}
    get_json_object({{ column }}, '$.{{ path }}')
{%- endmacro %}
