{#
    Every period (day, week starting Monday, month; in reporting_timezone) in which a user was
    active, over the user's whole history, with the user's lifecycle state in it: new (first
    active period), returning (also active in the calendar period before), resurrecting (not
    active in the period before but active earlier). `is_dormant_next_period` flags that the
    user is not active in the following period, so counts as dormant there.
#}
with

user_event_days as (

    select * from {{ ref('int_user_event_days') }}

),

period_grains as (

    select 'day' as period

    union all

    select 'week' as period

    union all

    select 'month' as period

),

active_user_days as (

    select distinct
        user_key,
        event_date as day_start,
        week_start,
        month_start

    from user_event_days

    where is_active_event

),

active_user_periods as (

    select distinct
        period_grains.period,
        active_user_days.user_key,
        case period_grains.period
            when 'day' then active_user_days.day_start
            when 'week' then active_user_days.week_start
            when 'month' then active_user_days.month_start
        end as period_start

    from active_user_days

    cross join period_grains

),

active_user_periods_sequenced as (

    select
        period,
        user_key,
        period_start,
        cast({{ period_dateadd('period', -1, 'period_start') }} as date) as previous_period_start,
        cast({{ period_dateadd('period', 1, 'period_start') }} as date) as next_period_start,
        lag(period_start) over (
            partition by period, user_key order by period_start
        ) as previous_active_period_start,
        lead(period_start) over (
            partition by period, user_key order by period_start
        ) as next_active_period_start

    from active_user_periods

),

active_user_periods_classified as (

    select
        period,
        user_key,
        period_start,
        case
            when previous_active_period_start is null then 'new'
            when previous_active_period_start = previous_period_start then 'returning'
            else 'resurrecting'
        end as lifecycle_state,
        previous_active_period_start,
        next_period_start,
        (
            next_active_period_start is null
            or next_active_period_start <> next_period_start
        ) as is_dormant_next_period

    from active_user_periods_sequenced

)

select * from active_user_periods_classified
