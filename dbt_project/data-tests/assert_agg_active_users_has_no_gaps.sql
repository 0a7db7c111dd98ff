{#
    agg_active_users has exactly one row per date from the first to the last event date of
    fct_events: the row count equals the days in that range and the ends match. Returns a row
    when it does not.
#}
with

active_users as (

    select * from {{ ref('agg_active_users') }}

),

events as (

    select * from {{ ref('fct_events') }}

),

active_users_range as (

    select
        min(activity_date) as first_date,
        max(activity_date) as last_date,
        count(*) as count_days,
        count(distinct activity_date) as count_distinct_days

    from active_users

),

events_range as (

    select
        min(event_date) as first_date,
        max(event_date) as last_date

    from events

)

select
    active_users_range.first_date,
    active_users_range.last_date,
    active_users_range.count_days,
    events_range.first_date as first_event_date,
    events_range.last_date as last_event_date

from active_users_range

cross join events_range

where events_range.first_date is not null
    and (
        active_users_range.first_date is null
        or active_users_range.first_date <> events_range.first_date
        or active_users_range.last_date <> events_range.last_date
        or active_users_range.count_days <> active_users_range.count_distinct_days
        or active_users_range.count_days <> (
            {{ dbt.datediff('events_range.first_date', 'events_range.last_date', 'day') }} + 1
        )
    )
