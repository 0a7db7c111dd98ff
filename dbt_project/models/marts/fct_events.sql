with

events_sessionized as (

    select * from {{ ref('int_events_sessionized') }}

),

tracking_plan as (

    select * from {{ ref('tracking_plan') }}

),

events_enriched as (

    select
        events_sessionized.event_id,
        events_sessionized.user_key,
        events_sessionized.user_id,
        events_sessionized.anonymous_id,
        events_sessionized.event_name,
        events_sessionized.event_name_original,
        events_sessionized.event_type,
        tracking_plan.category as event_category,
        tracking_plan.event_name is not null as is_tracked,
        coalesce(tracking_plan.counts_as_active, true) as is_active_event,
        events_sessionized.event_at,
        {{ to_reporting_date('events_sessionized.event_at') }} as event_date,
        {{ dbt.hash(dbt.concat([
            'events_sessionized.user_key', "'|'", 'events_sessionized.session_first_event_id'
        ])) }} as session_id,
        events_sessionized.session_number,
        events_sessionized.event_number_in_session,
        events_sessionized.seconds_since_previous_event,
        events_sessionized.page_path,
        events_sessionized.page_url,
        events_sessionized.page_referrer,
        events_sessionized.utm_source,
        events_sessionized.utm_medium,
        events_sessionized.utm_campaign,
        events_sessionized.device_type,
        events_sessionized.properties,
        events_sessionized.received_at,
        events_sessionized.load_id

    from events_sessionized

    left join tracking_plan
        on events_sessionized.event_name = tracking_plan.event_name

)

select
    event_id,
    user_key,
    user_id,
    anonymous_id,
    event_name,
    event_name_original,
    event_type,
    event_category,
    is_tracked,
    is_active_event,
    event_at,
    event_date,
    session_id,
    session_number,
    event_number_in_session,
    seconds_since_previous_event,
    page_path,
    page_url,
    page_referrer,
    utm_source,
    utm_medium,
    utm_campaign,
    device_type,
    properties,
    received_at,
    load_id

from events_enriched
