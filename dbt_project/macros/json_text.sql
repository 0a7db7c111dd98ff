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
    get_json_object({{ column }}, '{{ spark_json_path(path) }}')
{%- endmacro %}

{#
    A dotted path as Spark's JSONPath: a segment in double quotes (a key such as
    `$feature_flag`, which DuckDB reads as `$."$feature_flag"`) in bracket notation,
    `$['$feature_flag']`, the only form get_json_object accepts for it.
#}
{% macro spark_json_path(path) -%}
    ${% for segment in path.split('.') -%}
        {%- if segment.startswith('"') and segment.endswith('"') -%}
            [\'{{ segment[1:-1] }}\']
        {%- else -%}
            .{{ segment }}
        {%- endif -%}
    {%- endfor %}
{%- endmacro %}

{#
    The text at the dotted path held by the column or expression `path_column` (a path that
    is data, e.g. a seed's `value_property`), of a JSON `column`, or null.
#}
{% macro json_text_at(column, path_column) -%}
    {{ return(adapter.dispatch('json_text_at', 'usage_analytics')(column, path_column)) }}
{%- endmacro %}

{% macro default__json_text_at(column, path_column) -%}
    json_extract_string({{ column }}, '$.' || {{ path_column }})
{%- endmacro %}

{% macro spark__json_text_at(column, path_column) -%}
    get_json_object({{ column }}, concat('$.', {{ path_column }}))
{%- endmacro %}

{#
    The texts at several dotted `paths` of one JSON `column`, as a list in the order of the
    paths (read an item with list_item, 1-based): the document is parsed once, not once per
    path. DuckDB: json_extract_string with a list of paths; Spark: an array of get_json_object.
#}
{% macro json_texts(column, paths) -%}
    {{ return(adapter.dispatch('json_texts', 'usage_analytics')(column, paths)) }}
{%- endmacro %}

{% macro default__json_texts(column, paths) -%}
    json_extract_string({{ column }}, [
        {%- for path in paths %}'$.{{ path }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    ])
{%- endmacro %}

{% macro spark__json_texts(column, paths) -%}
    array(
        {%- for path in paths %}{{ spark__json_text(column, path) }}
        {%- if not loop.last %}, {% endif %}{% endfor -%}
    )
{%- endmacro %}

{# Item `index` (1-based) of a list. DuckDB: list[index]; Spark: element_at. #}
{% macro list_item(list, index) -%}
    {{ return(adapter.dispatch('list_item', 'usage_analytics')(list, index)) }}
{%- endmacro %}

{% macro default__list_item(list, index) -%}
    {{ list }}[{{ index }}]
{%- endmacro %}

{% macro spark__list_item(list, index) -%}
    element_at({{ list }}, {{ index }})
{%- endmacro %}
