{#
    For every grain and period: new + returning + resurrecting = the distinct users with an
    active event in the period (fct_events), and dormant = users active in the previous period
    minus those returning now. Returns the periods where either fails, in either direction.
#}
{{ config(meta={'dagster': {'ref': {'name': 'agg_lifecycle'}}}) }}

with

lifecycle as (

    select * from {{ ref('agg_lifecycle') }}

),

events as (

    select * from {{ ref('fct_events') }}

),

active_user_days as (

    {# the reporting day of each active event, once per user and day #}
    select distinct
        user_key,
        event_date as day_start

    from events

    where is_active_event

),

active_events_periodized as (

    {# a day's week and month are those of any of its events: truncate the day, not each event #}
    select
        user_key,
        day_start,
        cast({{ dbt.date_trunc('week', 'day_start') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'day_start') }} as date) as month_start

    from active_user_days

),

active_users_counted as (

    select
        'day' as period,
        day_start as period_start,
        count(distinct user_key) as count_active
    from active_events_periodized
    group by 1, 2

    union all

    select
        'week' as period,
        week_start as period_start,
        count(distinct user_key) as count_active
    from active_events_periodized
    group by 1, 2

    union all

    select
        'month' as period,
        month_start as period_start,
        count(distinct user_key) as count_active
    from active_events_periodized
    group by 1, 2

),

lifecycle_pivoted as (

    select
        period,
        period_start,
        sum(case when lifecycle_state <> 'dormant' then count_users else 0 end) as count_active,
        sum(case when lifecycle_state = 'returning' then count_users else 0 end)
            as count_returning,
        sum(case when lifecycle_state = 'dormant' then count_users else 0 end) as count_dormant

    from lifecycle

    group by 1, 2

),

lifecycle_with_previous as (

    select
        period,
        period_start,
        count_active,
        count_returning,
        count_dormant,
        lag(count_active) over (partition by period order by period_start) as previous_active

    from lifecycle_pivoted

),

compared as (

    select
        coalesce(lifecycle_with_previous.period, active_users_counted.period) as period,
        coalesce(lifecycle_with_previous.period_start, active_users_counted.period_start)
            as period_start,
        lifecycle_with_previous.count_active as count_active_in_lifecycle,
        coalesce(active_users_counted.count_active, 0) as count_active_in_events,
        lifecycle_with_previous.count_returning,
        lifecycle_with_previous.count_dormant,
        lifecycle_with_previous.previous_active

    from lifecycle_with_previous

    full outer join active_users_counted
        on lifecycle_with_previous.period = active_users_counted.period
        and lifecycle_with_previous.period_start = active_users_counted.period_start

)

select *

from compared

where count_active_in_lifecycle is null
    or count_active_in_lifecycle <> count_active_in_events
    or count_dormant <> coalesce(previous_active, 0) - count_returning
