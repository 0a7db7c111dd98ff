{#
    The target's database (catalog) for api.Relation.create, or none where the adapter has
    no separate catalog level (Spark: database and schema are the same thing).
#}
{% macro target_database() -%}
    {{ return(target.database if target.database is defined and target.type != 'spark' else none) }}
{%- endmacro %}
