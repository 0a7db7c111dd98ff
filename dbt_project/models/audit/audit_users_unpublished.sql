-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_events_deduplicated') }}
{#
    The users whose rows in the user-keyed incremental marts (`fct_events`, `fct_sessions`,
    `fct_funnel_steps`) may differ between `marts_candidate` and the published `marts`: those
    touched by the event copies loaded after the latest publication (touched_user_keys, the
    rule the incremental models rebuild by). A view, so it is read when the publish step runs
    (usage_analytics/publishing/marts.py), which replaces only these users' rows, and in
    `fct_events` and `fct_sessions` only those from `rebuild_from` on (null: all). Before the first
    publication it is empty (the first publication copies every table whole).
#}
{{ config(materialized='view') }}
{%- set publications = adapter.get_relation(
    database=target_database(), schema='audit', identifier='publications'
) if execute else none -%}
{%- set columns = adapter.get_columns_in_relation(publications) | map(attribute='name') | list
    if publications is not none else [] -%}
with

users_touched as (

    {{ touched_user_keys(
        '(select max(events_loaded_through) from ' ~ publications ~ ')'
        if 'events_loaded_through' in columns else none
    ) }}

)

select
    user_key_id,
    user_key,
    rebuild_from
from users_touched
