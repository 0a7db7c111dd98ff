{#
    The `value` of the row with the smallest `ordering`, a list of expressions compared in
    order (a tuple): one grouped aggregate instead of a window ranking the rows. DuckDB:
    arg_min over a row(); Spark: min_by over a struct().
#}
{% macro min_by(value, ordering) -%}
    {{ return(adapter.dispatch('min_by', 'usage_analytics')(value, ordering)) }}
{%- endmacro %}

{% macro default__min_by(value, ordering) -%}
    arg_min({{ value }}, row({{ ordering | join(', ') }}))
{%- endmacro %}

{% macro spark__min_by(value, ordering) -%}
    min_by({{ value }}, struct({{ ordering | join(', ') }}))
{%- endmacro %}
