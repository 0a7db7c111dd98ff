-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_touched_users') }}
{#
    Funnel attempts (CONTRACT §6), ordered funnels with other events allowed between steps.

    - Every event of step 1 starts an attempt; the attempt is identified by that event
      (`attempt_event_id`) and ends its window at step-1 time + the funnel's window (inclusive;
      no window when the seed leaves it empty).
    - Step k of an attempt is the earliest event, by event_at then event_id, that
        * is named like step k,
        * happens at or after the event that reached step k-1 (same timestamp counts),
        * happens at or before the window end,
        * is none of the events that reached steps 1 .. k-1 of the same attempt (one event
          satisfies at most one step; only matters when a funnel repeats an event name).
      Taking the earliest qualifying event is never worse for later steps, so each attempt
      reaches as far as any choice of events could take it.
    - An attempt that finds no event for step k stops at k-1.

    Set-based: an attempt is one wide row carrying the events of the steps it has reached;
    one join per step, unrolled by Jinja up to `max_steps` (steps of funnels that are shorter
    simply find no rows); the earliest candidate of each attempt is found with grouped
    minimums (its time, and min_by for its event_id), not a window over every candidate.
    assert_funnel_steps_consecutive_from_one fails a seed with more steps than `max_steps`.
    Window sizes are seconds (day = 86,400 s, week = 7 days) added with dbt.dateadd;
    durations come from seconds_between.

    Only the attempts that go further than every earlier attempt of the user (by step-1
    event_at, then event_id) are kept: fct_funnel_steps keeps the earliest attempt reaching
    the furthest step, which is always one of them, and the others can never be it. Every
    step-1 event starts an attempt, so a user has as many as events of step 1 (every page
    view for visit_to_paid); kept, they outnumbered the events.

    Incremental (strategy touched_users, macros/touched_users_strategy.sql): attempts never
    span users, and an attempt reads only the events between its step-1 event and its window
    end. A run takes the users touched by the copies landed since the last build and, for
    each, `rebuild_from` (none of its events changed before it): an attempt whose window ends
    before it is final, so the run recomputes only the attempts whose window reaches it (all
    of a funnel without a window), reading only the events from `rebuild_from` minus the
    funnel's window on; the strategy (`rebuild_reaches_column: window_ends_at`) replaces
    those attempts' rows. The attempts whose window ends before `rebuild_from` are, per user
    and funnel, the first ones in start order (one window length per funnel): a recomputed
    attempt is kept when it goes further than those (their furthest step, read from this
    table) and than the recomputed attempts before it. Every user when the funnel
    definitions or any upstream model changed. `--full-refresh` rebuilds it whole.
#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='touched_users',
    unique_key='user_key',
    rebuild_reaches_column='window_ends_at',
    on_schema_change='append_new_columns',
    post_hook=["{{ record_incremental_state() }}"],
) }}
{%- set build_plan = incremental_build_plan() -%}
{%- set max_steps = 10 -%}
{%- set attempt_columns = [
    'funnel_name', 'user_key', 'attempt_event_id', 'attempt_started_at', 'window_ends_at'
] -%}

with

events_all as (

    select * from {{ ref('int_events_sessionized') }}

),

{% if build_plan.mode == 'touched' -%}
touched_users as (

    select * from {{ ref('int_touched_users') }}

),

events as (

    select
        events_all.*,
        touched_users.rebuild_from

    from events_all

    inner join touched_users
        on events_all.user_key = touched_users.user_key

),

attempts_kept_furthest as (

    {#
        the furthest step of the attempts this run keeps, those whose window ends before
        rebuild_from: for each user and funnel a prefix of its attempts in start order (the
        window has one length per funnel), so their record attempts are kept with them
    #}
    select
        attempts_built.funnel_name,
        attempts_built.user_key,
        max(attempts_built.step_number) as furthest_step_number

    from {{ this }} as attempts_built

    inner join touched_users
        on attempts_built.user_key = touched_users.user_key

    where attempts_built.window_ends_at < touched_users.rebuild_from

    group by 1, 2

),
{%- else -%}
events as (

    select
        *,
        cast(null as {{ dbt.type_timestamp() }}) as rebuild_from

    from events_all

),

attempts_kept_furthest as (

    {# a full build keeps no attempt #}
    select
        cast(null as {{ dbt.type_string() }}) as funnel_name,
        cast(null as {{ dbt.type_string() }}) as user_key,
        cast(null as {{ dbt.type_bigint() }}) as furthest_step_number

    where 1 = 0

),
{%- endif %}

funnel_definitions as (

    select * from {{ ref('funnel_definitions') }}

),

funnel_steps as (

    select
        funnel_name,
        step_number,
        event_name,
        {{ window_seconds('conversion_window_value', 'conversion_window_unit') }} as window_seconds

    from funnel_definitions

),

step_candidate_events as (

    {# every event that can reach some step of some funnel #}
    select
        funnel_steps.funnel_name,
        funnel_steps.step_number,
        funnel_steps.window_seconds,
        events.user_key,
        events.event_id,
        events.event_at

    from events

    inner join funnel_steps
        on events.event_name = funnel_steps.event_name

    {# on a touched build, only what the attempts whose window reaches rebuild_from read #}
    where events.rebuild_from is null
        or funnel_steps.window_seconds is null
        or events.event_at >= (
            {{ dbt.dateadd('second', '-1 * funnel_steps.window_seconds', 'events.rebuild_from') }}
        )

),

attempts_at_step_1 as (

    select
        funnel_name,
        user_key,
        event_id as attempt_event_id,
        event_at as attempt_started_at,
        case
            when window_seconds is not null
                then {{ dbt.dateadd('second', 'window_seconds', 'event_at') }}
        end as window_ends_at,
        event_id as step_1_event_id,
        event_at as step_1_at

    from step_candidate_events

    where step_number = 1

),

{%- for step in range(2, max_steps + 1) %}

attempts_at_step_{{ step }} as (

    {#
        each attempt at step {{ step - 1 }} with the earliest event, by event_at then
        event_id, that can reach step {{ step }}: grouped minimums over the attempt's
        candidates (hash aggregates do not sort). The attempt's own columns are the same on
        each of its candidates, so their minimum is their value; reading the previous step
        once keeps the SQL linear in the steps (engines that inline CTEs, such as Spark,
        expanded a second reference into 2^steps copies).
    #}
    select
        attempts.funnel_name,
        attempts.attempt_event_id,
        min(attempts.user_key) as user_key,
        min(attempts.attempt_started_at) as attempt_started_at,
        min(attempts.window_ends_at) as window_ends_at,
        {%- for earlier in range(1, step) %}
        min(attempts.step_{{ earlier }}_event_id) as step_{{ earlier }}_event_id,
        min(attempts.step_{{ earlier }}_at) as step_{{ earlier }}_at,
        {%- endfor %}
        {{ min_by('candidates.event_id', ['candidates.event_at', 'candidates.event_id']) }}
            as step_{{ step }}_event_id,
        min(candidates.event_at) as step_{{ step }}_at

    from attempts_at_step_{{ step - 1 }} as attempts

    inner join step_candidate_events as candidates
        on attempts.funnel_name = candidates.funnel_name
        and attempts.user_key = candidates.user_key
        and candidates.step_number = {{ step }}
        and attempts.step_{{ step - 1 }}_at <= candidates.event_at
        and (
            attempts.window_ends_at is null
            or attempts.window_ends_at >= candidates.event_at
        )
        {%- for earlier in range(1, step) %}
        and attempts.step_{{ earlier }}_event_id <> candidates.event_id
        {%- endfor %}

    group by 1, 2

),

{%- endfor %}

attempt_steps as (

    {%- for step in range(1, max_steps + 1) %}

    select
        {%- for column in attempt_columns %}
        {{ column }},
        {%- endfor %}
        cast({{ step }} as {{ dbt.type_bigint() }}) as step_number,
        step_{{ step }}_event_id as event_id,
        step_{{ step }}_at as reached_at,
        {% if step == 1 -%}
        cast(null as {{ dbt.type_timestamp() }}) as previous_step_reached_at
        {%- else -%}
        step_{{ step - 1 }}_at as previous_step_reached_at
        {%- endif %}

    from attempts_at_step_{{ step }}
    {% if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

attempt_steps_timed as (

    select
        attempt_steps.funnel_name,
        attempt_steps.user_key,
        attempt_steps.attempt_event_id,
        attempt_steps.attempt_started_at,
        attempt_steps.window_ends_at,
        attempt_steps.step_number,
        funnel_steps.event_name,
        attempt_steps.event_id,
        attempt_steps.reached_at,
        {{ seconds_between('attempt_steps.previous_step_reached_at', 'attempt_steps.reached_at') }}
            as seconds_from_previous_step,
        {{ seconds_between('attempt_steps.attempt_started_at', 'attempt_steps.reached_at') }}
            as seconds_from_first_step

    from attempt_steps

    inner join funnel_steps
        on attempt_steps.funnel_name = funnel_steps.funnel_name
        and attempt_steps.step_number = funnel_steps.step_number

),

attempts_summarized as (

    {{ funnel_attempts_summarized('attempt_steps') }}

),

attempts_compared as (

    {# the furthest step any earlier attempt of the user reached (this run's attempts) #}
    select
        *,
        max(furthest_step_number) over (
            partition by funnel_name, user_key
            order by attempt_started_at, attempt_event_id
            rows between unbounded preceding and 1 preceding
        ) as furthest_step_number_before

    from attempts_summarized

),

record_attempts as (

    {#
        the attempts that go further than every earlier one: only these can be the attempt
        fct_funnel_steps keeps (the earliest of those reaching the furthest step)
    #}
    select
        attempts_compared.funnel_name,
        attempts_compared.attempt_event_id

    from attempts_compared

    left join attempts_kept_furthest
        on attempts_compared.funnel_name = attempts_kept_furthest.funnel_name
        and attempts_compared.user_key = attempts_kept_furthest.user_key

    where attempts_compared.furthest_step_number
        > coalesce(attempts_compared.furthest_step_number_before, 0)
        and attempts_compared.furthest_step_number
        > coalesce(attempts_kept_furthest.furthest_step_number, 0)

),

record_attempt_steps as (

    select attempt_steps_timed.*

    from attempt_steps_timed

    inner join record_attempts
        on attempt_steps_timed.funnel_name = record_attempts.funnel_name
        and attempt_steps_timed.attempt_event_id = record_attempts.attempt_event_id

)

select * from record_attempt_steps
