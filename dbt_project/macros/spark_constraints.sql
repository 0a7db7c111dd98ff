{#
    Contract constraints on Spark's plain Parquet tables. dbt-spark adds `not null` only to
    Delta tables (ALTER COLUMN ... SET NOT NULL), and Parquet tables cannot hold it; DuckDB
    enforces the marts' not-null constraints when it writes. Here the new table is checked
    instead: a null in a column whose contract says not_null fails the model, naming the
    column, as DuckDB's constraint does. The project's dispatch config puts this first.
#}
{% macro spark__persist_constraints(relation, model) -%}
    {%- if not config.get('contract').enforced -%}{{ return('') }}{%- endif -%}
    {%- set required = contract_not_null_columns(model) -%}
    {%- if required -%}
        {%- set nulls_query -%}
            select
            {%- for name in required %}
                count_if({{ adapter.quote(name) }} is null){% if not loop.last %},{% endif %}
            {%- endfor %}
            from {{ relation }}
        {%- endset -%}
        {%- set counts = run_query(nulls_query).rows[0] -%}
        {%- for name in required -%}
            {%- if counts[loop.index0] > 0 -%}
                {{ exceptions.raise_compiler_error(
                    relation ~ '.' ~ name ~ ': ' ~ counts[loop.index0]
                    ~ ' null values violate the contract constraint not_null') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
