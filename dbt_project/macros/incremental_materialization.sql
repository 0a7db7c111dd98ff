{#
    The materialization of the project's incremental models: `incremental` where the engine
    can delete rows (DuckDB: the delete+insert and touched_users strategies), `table`
    elsewhere. On Spark the tables are plain Parquet, which has no delete (and `merge` needs
    Delta or Iceberg): rewriting a touched user's rows in place cannot be done, so each of
    these models is rebuilt whole every run, which gives the same rows as an incremental build
    by the rule `incremental == full refresh`. The run log says so (incremental_fallback_note).
#}
{% macro incremental_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{% macro incremental_fallback_note() -%}
    {%- if execute and target.type == 'spark' and model.resource_type == 'model' -%}
        {{ log(model.name ~ ": rebuilt whole on " ~ target.type
            ~ " (plain Parquet tables have no delete; see docs/spark.md)", info=true) }}
    {%- endif -%}
{%- endmacro %}
