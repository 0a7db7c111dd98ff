{#
    Whether the existing table of the incremental model being built lacks one of
    `expected_columns` or, with `exact`, has a column that is not among them: the custom
    dimensions (seeds/custom_dimensions.csv) changed since it was built. The model then
    rebuilds every user, so a new column is filled on every row, not only on the rows of the
    run (dbt's on_schema_change adds the column but leaves it null on the rows it does not
    rewrite). False outside incremental runs.
#}
{% macro incremental_columns_changed(expected_columns, exact=false) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set existing = [] -%}
    {%- for column in adapter.get_columns_in_relation(this) -%}
        {%- do existing.append(column.name | lower) -%}
    {%- endfor -%}
    {%- set expected = [] -%}
    {%- for name in expected_columns -%}
        {%- do expected.append(name | lower) -%}
    {%- endfor -%}
    {%- for name in expected -%}
        {%- if name not in existing -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if exact -%}
        {%- for name in existing -%}
            {%- if name not in expected -%}
                {{ return(true) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}
