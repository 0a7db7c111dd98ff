{#
    dbt.listagg on Spark: dbt-spark's collects the values in no particular order (it warns
    that it ignores `order by`), so the same values could join in another order on every run.
    This one sorts: it collects (order key, value) pairs, sorts them (by key, then value) and
    joins the values, as DuckDB's `string_agg(... order by ...)` does. The order clause is one
    expression, ascending (`order by segment_name`), which is all the project uses. The
    project's dispatch config (dbt_project.yml) puts this first.
#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set order_key = (order_by_clause or '') | trim -%}
    {%- if order_key[:8] | lower == 'order by' -%}
        {%- set order_key = order_key[8:] | trim -%}
    {%- endif -%}
    {%- if ',' in order_key or ' ' in order_key -%}
        {{ exceptions.raise_compiler_error("spark__listagg sorts by one expression ascending, not: " ~ order_by_clause) }}
    {%- endif -%}
    {%- set pairs -%}
        collect_list(named_struct('order_key', {{ order_key or 'null' }}, 'value', {{ measure }}))
    {%- endset -%}
    {%- set sorted_values -%}
        transform(array_sort({{ pairs }}), pair -> pair.value)
    {%- endset -%}
    {%- if limit_num -%}
        {%- set sorted_values = 'slice(' ~ sorted_values ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    array_join({{ sorted_values }}, {{ delimiter_text }})
{%- endmacro %}
