{#
    How the incremental model being built runs this time, and the state it keeps.

    Every incremental model records, in a post-hook, one row in `audit.incremental_state`:
    the fingerprint of the definitions it was built with (its own SQL, the session and
    calendar vars, the tracking plan and the custom dimensions) and the latest landing time
    (`loaded_at`) it has processed. The row is written in the model's own transaction, so it
    changes only when the model's table does.

    incremental_build_plan() returns a mapping:
    - mode 'full': not an incremental run (first build, `--full-refresh`);
    - mode 'all': an incremental run whose definitions changed since the last build (or with
      no state recorded): rebuild every user, in place (the strategies' deletes make it exact;
      events never disappear but through `forget`, which runs a full refresh);
    - mode 'touched': rebuild the users touched by the copies landed after `landed_after`
      (a SQL timestamp).
    A dbt unit test that overrides is_incremental to true runs in mode 'touched', with the
    latest `loaded_at` of its `this` fixture as `landed_after`.
#}
{% macro incremental_build_plan() -%}
    {%- do incremental_fallback_note() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return({'mode': 'full', 'landed_after': none}) }}
    {%- endif -%}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return({
            'mode': 'touched',
            'landed_after': '(select max(loaded_at) from ' ~ this ~ ')',
        }) }}
    {%- endif -%}
    {%- set state_query -%}
        select settings_fingerprint, processed_through
        from {{ incremental_state_relation() }}
        where model_name = '{{ incremental_state_key() }}'
    {%- endset -%}
    {%- set rows = run_query(state_query).rows -%}
    {%- if rows | length == 0 or rows[0][0] != incremental_settings_fingerprint()
        or rows[0][1] is none -%}
        {{ return({'mode': 'all', 'landed_after': none}) }}
    {%- endif -%}
    {{ return({
        'mode': 'touched',
        'landed_after': "cast('" ~ rows[0][1] ~ "' as " ~ dbt.type_timestamp() ~ ")",
    }) }}
{%- endmacro %}

{#
    The landing watermark int_touched_users (or int_touched_days) computes what a run touches
    from (a SQL timestamp, or none before any incremental model recorded one): the oldest
    `processed_through` among the incremental models that read it, directly or through a
    model that is not incremental (int_touched_days reads int_touched_users for the day-grain
    marts). In steady state every model shares it; a model left behind (skipped after a failed
    test) makes the others touch more users from earlier on for one run, which is more work,
    never a wrong row. A unit test gives it as the var `unit_test_landed_after`.
#}
{% macro touched_users_landed_after() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return(literal_var('unit_test_landed_after')) }}
    {%- endif -%}
    {%- set readers = [] -%}
    {%- do collect_incremental_readers(model.unique_id, readers) -%}
    {%- set state = incremental_state_relation() -%}
    {%- if not readers or adapter.get_relation(state.database, state.schema, state.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set watermark_query -%}
        select min(processed_through) from {{ state }}
        where model_name in ({{ readers | join(', ') }})
    {%- endset -%}
    {%- set watermark = run_query(watermark_query).rows[0][0] -%}
    {{ return(none if watermark is none
        else "cast('" ~ watermark ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{# Appends to `found` the `'schema.table'` names of the incremental models that read the model
   `unique_id`, directly or through models that are not incremental. #}
{% macro collect_incremental_readers(unique_id, found) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and unique_id in node.depends_on.nodes -%}
        {%- if node.config.materialized == 'incremental' -%}
            {%- do found.append("'" ~ node.schema ~ "." ~ (node.alias or node.name) ~ "'") -%}
        {%- else -%}
            {%- do collect_incremental_readers(node.unique_id, found) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
