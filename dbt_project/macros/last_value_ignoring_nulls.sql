{#
    Window function (the caller writes `over (...)` after it): the last non-null value of
    `expression` in the frame. With a running frame (unbounded preceding to the current row)
    it carries a value set at some rows down to the rows after them, e.g. a session's first
    event_id to every event of the session, in the same sort as the other running aggregates.
    DuckDB: last_value(x ignore nulls); Spark: last_value(x, true).
#}
{% macro last_value_ignoring_nulls(expression) -%}
    {{ return(adapter.dispatch('last_value_ignoring_nulls', 'usage_analytics')(expression)) }}
{%- endmacro %}

{% macro default__last_value_ignoring_nulls(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__last_value_ignoring_nulls(expression) -%}
    last_value({{ expression }}, true)
{%- endmacro %}
