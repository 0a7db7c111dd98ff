{#
    Models land in the schema named by their folder (`+schema` in dbt_project.yml) as it is:
    `marts`, not `main_marts`. Models without a custom schema use the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
