{#
    Models land in the schema named by their folder (`+schema` in dbt_project.yml) as it is:
    `marts`, not `main_marts`. Models without a custom schema use the target schema.

    Under the `serving` target (profiles.yml: the serving copy, read-only) the marts folder's
    candidate schema is read as the published one, `marts`: that copy holds only the published
    marts, so `dbt docs generate` and MetricFlow's `mf` with that target point at what BI tools
    read. Builds never use that target.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.name == 'serving' and custom_schema_name | trim == 'marts_candidate' -%}
        marts
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
