{#
    The table of incremental build state (one row per incremental model), its key for the
    model being built, and the statements that create and record it. See
    incremental_build_plan.
#}
{% macro incremental_state_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema='audit', identifier='incremental_state'
    )) }}
{%- endmacro %}

{% macro incremental_state_key() -%}
    {{ return(this.schema ~ '.' ~ this.identifier) }}
{%- endmacro %}

{% macro create_incremental_state() -%}
    {%- do adapter.create_schema(api.Relation.create(database=target.database, schema='audit')) -%}
    create table if not exists {{ incremental_state_relation() }} (
        model_name {{ dbt.type_string() }} not null,
        settings_fingerprint {{ dbt.type_string() }} not null,
        processed_through {{ dbt.type_timestamp() }},
        recorded_at {{ dbt.type_timestamp() }} not null
    )
{%- endmacro %}

{% macro record_incremental_state() -%}
    delete from {{ incremental_state_relation() }}
    where model_name = '{{ incremental_state_key() }}';

    insert into {{ incremental_state_relation() }}
        (model_name, settings_fingerprint, processed_through, recorded_at)
    select
        '{{ incremental_state_key() }}',
        '{{ incremental_settings_fingerprint() }}',
        max(loaded_at),
        {{ dbt.current_timestamp() }}
    from {{ ref('stg_events__events') }}
{%- endmacro %}

{#
    A hash of what an incremental model's rows depend on besides the events: its own SQL, the
    vars of sessions and calendar days, the tracking plan (category, counts_as_active) and the
    custom dimensions. When it changes, the model rebuilds every user.
#}
{% macro incremental_settings_fingerprint() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set parts = [model.raw_code] -%}
    {%- for name in ['session_timeout_minutes', 'max_session_hours', 'reporting_timezone'] -%}
        {%- do parts.append(name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {%- set plan_query -%}
        select event_name, category, counts_as_active
        from {{ ref('tracking_plan') }}
        order by event_name
    {%- endset -%}
    {%- for row in run_query(plan_query).rows -%}
        {%- do parts.append(row | join(',')) -%}
    {%- endfor -%}
    {%- for dimension in custom_dimensions() -%}
        {%- do parts.append(dimension.values() | join(',')) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('|'))) }}
{%- endmacro %}
