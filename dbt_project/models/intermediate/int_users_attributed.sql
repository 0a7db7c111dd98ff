-- depends_on: {{ ref('custom_dimensions') }}
{#
    Per user: signup and cohort week, first-touch acquisition (the campaign of the user's first
    event), current plan (latest plan seen in identify traits or plan/payment properties),
    activity segment (active days in the 28 days ending on the warehouse's last event date,
    thresholds from vars) and user-level custom dimensions (latest non-null value).

    The event models keep no payload: the campaign, plan and custom dimensions are read from
    the JSON of the copies the events were deduplicated to (macro event_payload). The campaign
    is parsed for the users' first events only; plan and dimensions for every copy, in the
    small `traits` and `properties`, and only the copies that carry one are joined to their
    events.
#}
{%- set user_dimensions = custom_dimensions('user') -%}
{%- set campaign_names = ['utm_source', 'utm_medium', 'utm_campaign'] -%}
{%- set user_value_names = ['plan'] + user_dimensions | map(attribute='name') | list -%}

with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

event_copies as (

    select * from {{ ref('stg_events__events') }}

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
        load_id,
        file_path,
        line_number

    from events

    where session_number = 1
        and event_number_in_session = 1

),

first_events_parsed as (

    select
        first_events.user_key,
        {{ event_payload_parsed('event_copies', names=campaign_names) }}

    from first_events

    inner join event_copies
        on {{ kept_copy_of('first_events', 'event_copies') }}

),

first_event_campaigns as (

    select
        user_key,
        {{ event_payload(names=campaign_names) }}

    from first_events_parsed

),

event_copies_parsed as (

    select
        event_copies.load_id,
        event_copies.file_path,
        event_copies.line_number,
        {{ event_payload_parsed(
            'event_copies', custom_dimension_level='user', names=user_value_names
        ) }}

    from event_copies

),

event_copy_user_values as (

    select
        load_id,
        file_path,
        line_number,
        {{ event_payload(custom_dimension_level='user', names=user_value_names) }}

    from event_copies_parsed

),

user_values as (

    {# the events whose copy carries a plan or a user-level custom dimension #}
    select
        events.user_key,
        events.event_at,
        {{ event_payload_columns(
            custom_dimension_level='user', names=user_value_names, alias='event_copy_user_values'
        ) }}

    from event_copy_user_values

    inner join events
        on event_copy_user_values.load_id = events.load_id
        and event_copy_user_values.file_path = events.file_path
        and event_copy_user_values.line_number = events.line_number

    where {{ user_value_names | join(' is not null or ') }} is not null

),

users_summarized as (

    select
        user_key,
        min(event_at) as first_seen_at,
        min(
            case when event_name = {{ literal_var('signup_event') }} then event_at end
        ) as signed_up_at

    from events

    group by 1

),

users_valued as (

    select
        user_key,
        {%- for dimension in user_dimensions %}
        {{ latest_value(dimension['name'], 'event_at') }} as {{ dimension['name'] }},
        {%- endfor %}
        {{ latest_value('plan', 'event_at') }} as current_plan

    from user_values

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
        first_event_campaigns.utm_source as acquisition_source,
        first_event_campaigns.utm_medium as acquisition_medium,
        first_event_campaigns.utm_campaign as acquisition_campaign,
        case
            when first_event_campaigns.utm_source is null then 'direct'
            else {{ dbt.concat([
                'first_event_campaigns.utm_source', "' / '",
                "coalesce(first_event_campaigns.utm_medium, '(none)')"
            ]) }}
        end as acquisition_channel,
        users_valued.current_plan,
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
        {{- custom_dimension_columns('user', alias='users_valued') }}
        cast(users_active_days.last_event_date as date) as last_event_date

    from users_summarized

    inner join users_active_days
        on users_summarized.user_key = users_active_days.user_key

    left join first_event_campaigns
        on users_summarized.user_key = first_event_campaigns.user_key

    left join users_valued
        on users_summarized.user_key = users_valued.user_key

)

select * from users_attributed
