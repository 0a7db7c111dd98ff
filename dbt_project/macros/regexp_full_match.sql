{#
    True when the whole of `column` matches the regular expression `pattern` (a literal the
    project writes, never data). DuckDB: regexp_full_match (RE2); Spark: rlike (Java regular
    expressions) anchored at both ends, with the backslashes doubled for Spark's string literals.
#}
{% macro regexp_full_match(column, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'usage_analytics')(column, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(column, pattern) -%}
    regexp_full_match({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regexp_full_match(column, pattern) -%}
    {{ column }} rlike '^(?:{{ pattern | replace('\\', '\\\\') }})$'
{%- endmacro %}
