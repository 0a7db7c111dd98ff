{#
    Spark: registers the Parquet export of the landed tables (usage_analytics/warehouse/raw_export.py)
    as the sources `raw.*` and `audit.*`, as external tables over USAGE_ANALYTICS_RAW_LOCATION
    (a local folder, or s3a://, gs://, abfss:// on a cluster). Dropping and creating them again
    each run picks up new arrival-date partitions; dropping an external table keeps its files.
    Other engines read the landed tables in place: nothing to do.
#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'usage_analytics')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- set location = env_var('USAGE_ANALYTICS_RAW_LOCATION', '../data/raw') | trim -%}
    {%- if "'" in location or '\\' in location or location == '' -%}
        {{ exceptions.raise_compiler_error("USAGE_ANALYTICS_RAW_LOCATION: " ~ location ~ " is not a usable location") }}
    {%- endif -%}
    {%- set tables = {
        'raw': ['events', 'identities', 'load_manifest'],
        'audit': ['quarantine', 'forget_requests', 'forgotten_identities'],
    } -%}
    {%- for schema, names in tables.items() -%}
        {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- for name in names -%}
            {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ name) -%}
            {%- do run_query('create table ' ~ schema ~ '.' ~ name ~ " using parquet location '" ~ location ~ '/' ~ name ~ "'") -%}
            {%- if name == 'events' -%}
                {%- do run_query('msck repair table ' ~ schema ~ '.' ~ name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    select 1
{%- endmacro %}
