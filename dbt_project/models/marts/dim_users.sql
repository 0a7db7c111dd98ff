with

events as (

    select * from {{ ref('fct_events') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

warehouse_last_event_date as (

    select max(event_date) as last_event_date from events

),

user_ids as (

    {# a user_key that is a user_id; null for anonymous-only visitors #}
    select
        user_key,
        max(user_id) as user_id,
        count(distinct anonymous_id) as count_anonymous_ids

    from events

    group by 1

),

user_events_summarized as (

    select
        user_key,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        max(event_date) as last_seen_date,
        min(case when event_name = '{{ var("signup_event") }}' then event_at end)
            as signed_up_at,
        count(*) as count_events,
        count(distinct case when is_active_event then event_date end) as count_active_days

    from events

    group by 1

),

user_sessions_summarized as (

    select
        user_key,
        count(*) as count_sessions

    from sessions

    group by 1

),

users as (

    select
        user_events_summarized.user_key,
        user_ids.user_id,
        user_ids.user_id is not null as is_identified,
        user_ids.count_anonymous_ids,
        user_events_summarized.first_seen_at,
        user_events_summarized.last_seen_at,
        user_events_summarized.signed_up_at,
        {{ to_reporting_period_start(
            'coalesce(user_events_summarized.signed_up_at, user_events_summarized.first_seen_at)',
            'week'
        ) }} as cohort_week,
        coalesce(user_sessions_summarized.count_sessions, 0) as count_sessions,
        user_events_summarized.count_events,
        user_events_summarized.count_active_days,
        {{ dbt.datediff(
            'user_events_summarized.last_seen_date',
            'warehouse_last_event_date.last_event_date',
            'day'
        ) }} as days_since_last_seen

    from user_events_summarized

    cross join warehouse_last_event_date

    left join user_ids
        on user_events_summarized.user_key = user_ids.user_key

    left join user_sessions_summarized
        on user_events_summarized.user_key = user_sessions_summarized.user_key

)

select
    user_key,
    user_id,
    is_identified,
    count_anonymous_ids,
    first_seen_at,
    last_seen_at,
    signed_up_at,
    cohort_week,
    count_sessions,
    count_events,
    count_active_days,
    days_since_last_seen,
    days_since_last_seen >= {{ var('inactive_after_days') }} as is_inactive

from users
