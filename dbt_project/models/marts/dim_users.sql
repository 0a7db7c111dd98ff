-- depends_on: {{ ref('custom_dimensions') }}
with

events as (

    select * from {{ ref('fct_events') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

users_attributed as (

    select * from {{ ref('int_users_attributed') }}

),

user_events_summarized as (

    select
        user_key,
        {# a user_key that is a user_id has user_id on its own events #}
        max(user_id) as user_id,
        count(distinct anonymous_id) as count_anonymous_ids,
        max(event_at) as last_seen_at,
        max(event_date) as last_seen_date,
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
        users_attributed.user_key,
        user_events_summarized.user_id,
        user_events_summarized.user_id is not null as is_identified,
        user_events_summarized.count_anonymous_ids,
        users_attributed.first_seen_at,
        user_events_summarized.last_seen_at,
        users_attributed.signed_up_at,
        users_attributed.cohort_week,
        coalesce(user_sessions_summarized.count_sessions, 0) as count_sessions,
        user_events_summarized.count_events,
        user_events_summarized.count_active_days,
        user_events_summarized.last_seen_date,
        {{ dbt.datediff(
            'user_events_summarized.last_seen_date', 'users_attributed.last_event_date', 'day'
        ) }} as days_since_last_seen,
        users_attributed.acquisition_channel,
        users_attributed.acquisition_source,
        users_attributed.acquisition_medium,
        users_attributed.acquisition_campaign,
        users_attributed.current_plan,
        users_attributed.count_active_days_last_28_days,
        {{- custom_dimension_columns('user', alias='users_attributed') }}
        users_attributed.activity_segment

    from users_attributed

    inner join user_events_summarized
        on users_attributed.user_key = user_events_summarized.user_key

    left join user_sessions_summarized
        on users_attributed.user_key = user_sessions_summarized.user_key

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
    days_since_last_seen >= {{ int_var('inactive_after_days') }} as is_inactive,
    acquisition_channel,
    acquisition_source,
    acquisition_medium,
    acquisition_campaign,
    current_plan,
    count_active_days_last_28_days,
    activity_segment,
    {{- custom_dimension_columns('user') }}
    last_seen_date

from users
