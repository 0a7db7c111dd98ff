{#
    The table of incremental build state (one row per incremental model), its key for the
    model being built, and the statements that create and record it. See
    incremental_build_plan.
#}
{% macro incremental_state_relation() -%}
    {{ return(api.Relation.create(
        database=target_database(), schema='audit', identifier='incremental_state'
    )) }}
{%- endmacro %}

{% macro incremental_state_key() -%}
    {{ return(this.schema ~ '.' ~ this.identifier) }}
{%- endmacro %}

{% macro create_incremental_state() -%}
    {#- the `serving` target (docs, mf) reads the read-only serving copy, and Spark rebuilds
        the incremental models whole (incremental_materialization): nothing to create -#}
    {%- if target.name != 'serving' and target.type != 'spark' -%}
    {%- do adapter.create_schema(api.Relation.create(database=target_database(), schema='audit')) -%}
    create table if not exists {{ incremental_state_relation() }} (
        model_name {{ dbt.type_string() }} not null,
        settings_fingerprint {{ dbt.type_string() }} not null,
        processed_through {{ dbt.type_timestamp() }},
        recorded_at {{ dbt.type_timestamp() }} not null,
        rebuilt_whole_at {{ dbt.type_timestamp() }}
    );
    {# warehouses built before the column existed #}
    alter table {{ incremental_state_relation() }}
        add column if not exists rebuilt_whole_at {{ dbt.type_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{#
    `rebuilt_whole_at` is when the model last rebuilt every user (a first build,
    `--full-refresh`, changed definitions): the publish step copies the user-keyed marts whole
    when it changed since the previous publication (usage_analytics/publishing/marts.py).
#}
{% macro record_incremental_state() -%}
    {%- if target.type == 'spark' -%}{{ return('') }}{%- endif -%}
    {%- set build_plan = incremental_build_plan() -%}
    {%- if build_plan.mode == 'touched' -%}
        {%- set previous_query -%}
            select rebuilt_whole_at from {{ incremental_state_relation() }}
            where model_name = '{{ incremental_state_key() }}'
        {%- endset -%}
        {%- set previous = run_query(previous_query).rows -%}
        {%- set rebuilt_whole_at = 'null' if not previous or previous[0][0] is none
            else "cast('" ~ previous[0][0] ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- else -%}
        {%- set rebuilt_whole_at = dbt.current_timestamp() -%}
    {%- endif -%}
    delete from {{ incremental_state_relation() }}
    where model_name = '{{ incremental_state_key() }}';

    insert into {{ incremental_state_relation() }}
        (model_name, settings_fingerprint, processed_through, recorded_at, rebuilt_whole_at)
    select
        '{{ incremental_state_key() }}',
        '{{ incremental_settings_fingerprint() }}',
        max(loaded_at),
        {{ dbt.current_timestamp() }},
        {{ rebuilt_whole_at }}
    from {{ ref('stg_events__events') }}
{%- endmacro %}

{#
    A hash of what an incremental model's rows depend on besides the events: its own SQL and
    the SQL of every model it is built from (an edit anywhere upstream changes it), the SQL of
    every macro of the project (models keep part of their SQL in macros: event_columns,
    events_of_touched_users...), the contents of every seed upstream of it (tracking plan,
    funnel and retention definitions, custom dimensions, revenue events, exchange rates) and
    the vars of sessions, calendar days and the reporting currency. When it changes, the model rebuilds every user.
#}
{% macro incremental_settings_fingerprint() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set parts = [model.raw_code] -%}
    {%- for name in [
        'session_timeout_minutes', 'max_session_hours', 'reporting_timezone', 'reporting_currency',
    ] -%}
        {%- do parts.append(name ~ '=' ~ checked_var(name)) -%}
    {%- endfor -%}
    {%- for macro_name in usage_analytics | list | sort -%}
        {%- set macro_sql = usage_analytics[macro_name].macro.macro_sql -%}
        {%- do parts.append('macro:' ~ macro_name ~ ':' ~ macro_sql) -%}
    {%- endfor -%}
    {%- set ancestors = [] -%}
    {%- do collect_ancestors(model.depends_on.nodes, ancestors) -%}
    {%- for unique_id in ancestors | sort -%}
        {%- set node = graph.nodes[unique_id] -%}
        {%- if node.resource_type == 'model' -%}
            {%- do parts.append(unique_id ~ ':' ~ node.raw_code) -%}
        {%- elif node.resource_type == 'seed' -%}
            {%- set seed_relation = api.Relation.create(
                database=node.database, schema=node.schema, identifier=node.alias
            ) -%}
            {%- set seed_rows = [] -%}
            {%- for row in run_query('select * from ' ~ seed_relation).rows -%}
                {%- do seed_rows.append(row | join(',')) -%}
            {%- endfor -%}
            {%- do parts.append(unique_id ~ ':' ~ (seed_rows | sort | join(';'))) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('|'))) }}
{%- endmacro %}

{# Appends to `found` the unique ids of the models and seeds `node_ids` are built from,
   transitively (sources end the walk). #}
{% macro collect_ancestors(node_ids, found) -%}
    {%- for unique_id in node_ids if unique_id in graph.nodes and unique_id not in found -%}
        {%- do found.append(unique_id) -%}
        {%- do collect_ancestors(graph.nodes[unique_id].depends_on.nodes, found) -%}
    {%- endfor -%}
{%- endmacro %}
