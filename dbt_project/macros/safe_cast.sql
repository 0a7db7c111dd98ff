{#
    dbt.safe_cast on DuckDB: dbt-duckdb renders it as a plain `cast`, which fails the whole
    model on one value that does not convert (a payment `amount` of "abc" once failed
    fct_events). DuckDB's `try_cast` gives null instead, as safe_cast promises (Spark's cast
    already does). The project's dispatch config (dbt_project.yml) puts this first.
#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
