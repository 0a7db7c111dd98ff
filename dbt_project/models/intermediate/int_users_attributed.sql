-- depends_on: {{ ref('custom_dimensions') }}
{#
    Per user: signup and cohort week, first-touch acquisition (the campaign of the user's first
    event), current plan (latest plan seen in identify traits or plan/payment properties),
    activity segment (active days in the 28 days ending on the warehouse's last event date,
    thresholds from vars) and user-level custom dimensions (latest non-null value).
#}
{%- set user_dimensions = custom_dimensions('user') -%}

with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

user_event_days as (

    select * from {{ ref('int_user_event_days') }}

),

warehouse_periods as (

    select * from {{ ref('int_warehouse_periods') }}

),

first_events as (

    {# a user's first event (by event_at, then event_id) opens its first session #}
    select
        user_key,
        utm_source,
        utm_medium,
        utm_campaign

    from events

    where session_number = 1
        and event_number_in_session = 1

),

users_summarized as (

    select
        user_key,
        min(event_at) as first_seen_at,
        min(
            case when event_name = {{ literal_var('signup_event') }} then event_at end
        ) as signed_up_at,
        {%- for dimension in user_dimensions %}
        {{ latest_value(dimension['name'], 'event_at') }} as {{ dimension['name'] }},
        {%- endfor %}
        {{ latest_value('plan', 'event_at') }} as current_plan

    from events

    group by 1

),

users_active_days as (

    {#
        active days in the 28 days ending on the warehouse's last event date, from the
        user × event × day rows (the reporting days are computed there once, not here for
        every event)
    #}
    select
        user_event_days.user_key,
        count(distinct case
            when user_event_days.is_active_event
                and user_event_days.event_date > {{ dbt.dateadd(
                    'day', -28, 'warehouse_periods.last_day_start'
                ) }}
                then user_event_days.event_date
        end) as count_active_days_last_28_days,
        max(warehouse_periods.last_day_start) as last_event_date

    from user_event_days

    cross join warehouse_periods

    group by 1

),

users_attributed as (

    select
        users_summarized.user_key,
        users_summarized.first_seen_at,
        users_summarized.signed_up_at,
        {{ to_reporting_period_start(
            'coalesce(users_summarized.signed_up_at, users_summarized.first_seen_at)', 'week'
        ) }} as cohort_week,
        first_events.utm_source as acquisition_source,
        first_events.utm_medium as acquisition_medium,
        first_events.utm_campaign as acquisition_campaign,
        case
            when first_events.utm_source is null then 'direct'
            else {{ dbt.concat([
                'first_events.utm_source', "' / '",
                "coalesce(first_events.utm_medium, '(none)')"
            ]) }}
        end as acquisition_channel,
        users_summarized.current_plan,
        cast(users_active_days.count_active_days_last_28_days as {{ dbt.type_bigint() }})
            as count_active_days_last_28_days,
        case
            when users_active_days.count_active_days_last_28_days
                >= {{ int_var('activity_segment_power_days') }} then 'power'
            when users_active_days.count_active_days_last_28_days
                >= {{ int_var('activity_segment_core_days') }} then 'core'
            when users_active_days.count_active_days_last_28_days >= 1 then 'casual'
            else 'dormant'
        end as activity_segment,
        {{- custom_dimension_columns('user', alias='users_summarized') }}
        cast(users_active_days.last_event_date as date) as last_event_date

    from users_summarized

    inner join users_active_days
        on users_summarized.user_key = users_active_days.user_key

    left join first_events
        on users_summarized.user_key = first_events.user_key

)

select * from users_attributed
