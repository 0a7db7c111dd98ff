-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_touched_users') }}
{#
    A user counts once per funnel, at the furthest step any of their attempts reached
    (int_funnel_attempt_steps); the steps and times are those of the earliest attempt (by
    step-1 event_at, then event_id) that reached that furthest step.

    Incremental like int_funnel_attempt_steps (strategy touched_users): the touched users'
    rows are replaced.
#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='touched_users',
    unique_key='user_key',
    on_schema_change='append_new_columns',
    post_hook=["{{ record_incremental_state() }}"],
) }}
{%- set build_plan = incremental_build_plan() -%}
with

attempt_steps_all as (

    select * from {{ ref('int_funnel_attempt_steps') }}

),

{{ events_of_touched_users('attempt_steps', 'attempt_steps_all', build_plan, 'user_key') }}

attempts_summarized as (

    {{ funnel_attempts_summarized('attempt_steps') }}

),

attempts_ranked as (

    select
        funnel_name,
        user_key,
        attempt_event_id,
        furthest_step_number,
        row_number() over (
            partition by funnel_name, user_key
            order by furthest_step_number desc, attempt_started_at asc, attempt_event_id asc
        ) as attempt_rank

    from attempts_summarized

),

user_steps as (

    select
        attempt_steps.funnel_name,
        attempt_steps.user_key,
        attempt_steps.step_number,
        attempt_steps.event_name,
        attempt_steps.event_id,
        attempt_steps.reached_at,
        attempt_steps.seconds_from_previous_step,
        attempt_steps.seconds_from_first_step,
        attempts_ranked.furthest_step_number,
        attempt_steps.attempt_event_id

    from attempt_steps

    inner join attempts_ranked
        on attempt_steps.funnel_name = attempts_ranked.funnel_name
        and attempt_steps.attempt_event_id = attempts_ranked.attempt_event_id

    where attempts_ranked.attempt_rank = 1

),

user_steps_keyed as (

    select
        {{ dbt.hash(dbt.concat([
            'funnel_name', "'|'", 'user_key', "'|'",
            dbt.safe_cast('step_number', dbt.type_string())
        ])) }} as funnel_user_step_id,
        *

    from user_steps

)

select
    funnel_user_step_id,
    funnel_name,
    user_key,
    step_number,
    event_name,
    event_id,
    reached_at,
    seconds_from_previous_step,
    seconds_from_first_step,
    furthest_step_number,
    step_number = furthest_step_number as is_furthest_step,
    attempt_event_id

from user_steps_keyed
