{#
    Pre-hook of the incremental marts: adds the contract's not-null constraints that their
    existing table lacks. A table model is created from its contract on every build, but an
    incremental one is created once and then only inserted into, so a constraint added to the
    contract later (the marts' not_null data tests became constraints) would otherwise be
    enforced only after a `--full-refresh`. Existing nulls make the ALTER fail, naming the
    column, as the data test did. Nothing to do (no query but the catalog's) once they are in.
#}
{% macro add_missing_not_null_constraints() -%}
    {%- if execute and model.config.materialized == 'incremental' and is_incremental() -%}
        {%- set required = contract_not_null_columns(model) -%}
        {%- if required -%}
            {%- set nullable_query -%}
                select column_name
                from information_schema.columns
                where table_catalog = '{{ this.database }}'
                    and table_schema = '{{ this.schema }}'
                    and table_name = '{{ this.identifier }}'
                    and is_nullable = 'YES'
                    and column_name in ('{{ required | join("', '") }}')
            {%- endset -%}
            {%- for row in run_query(nullable_query).rows -%}
                {%- do run_query(
                    'alter table ' ~ this ~ ' alter column ' ~ adapter.quote(row[0]) ~ ' set not null'
                ) -%}
                {{ log('added the contract constraint not null on ' ~ this ~ '.' ~ row[0], info=true) }}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{# The columns of `model` whose contract says not_null (in contract order). #}
{% macro contract_not_null_columns(model) -%}
    {%- set required = [] -%}
    {%- for name, column in model.columns.items() -%}
        {%- for constraint in column.constraints if constraint.type == 'not_null' -%}
            {%- do required.append(name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(required) }}
{%- endmacro %}
