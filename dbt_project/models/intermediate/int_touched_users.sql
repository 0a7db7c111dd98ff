-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_events_deduplicated') }}
{#
    The users this run's incremental models rebuild, and from when: macro touched_user_keys
    over the event copies landed after the oldest watermark of the models that read this
    table (macro touched_users_landed_after), computed once per run instead of once per model
    and again in each strategy's delete. A model whose own watermark is later gets users and
    `rebuild_from` times that cover its own (more work, never a wrong row). Empty before the
    incremental models have recorded a watermark (their first build rebuilds everything).
#}
{{ config(materialized='table') }}

with

touched_users as (

    {{ touched_user_keys(touched_users_landed_after()) }}

)

select
    user_key_id,
    user_key,
    rebuild_from

from touched_users
