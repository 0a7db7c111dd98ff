{#
    agg_event_trends broken down by every user segment of int_user_segments (the segments of
    funnels and retention: acquisition channel, signup week, current plan, activity segment,
    user-level custom dimensions; one value per user and segment). Rows exist for each day ×
    event × segment value with at least one such event. Rebuilt whole every run: a user's
    segment values (activity segment, current plan) change with every run.
#}
with

user_event_days as (

    select * from {{ ref('int_user_event_days') }}

),

user_segments as (

    select * from {{ ref('int_user_segments') }}

),

user_event_days_segmented as (

    {{ segments_expanded(
        'user_event_days',
        ['user_key', 'event_date', 'event_name', 'count_events'],
        overall=false,
    ) }}

),

segment_event_trends as (

    select
        event_date,
        event_name,
        segment_name,
        segment_value,
        sum(count_events) as count_events,
        count(distinct user_key) as count_users

    from user_event_days_segmented

    group by 1, 2, 3, 4

)

select
    {{ dbt.hash(dbt.concat([
        dbt.safe_cast('event_date', dbt.type_string()), "'|'", 'event_name', "'|'",
        'segment_name', "'|'", 'segment_value'
    ])) }} as event_trend_segment_key,
    event_date,
    event_name,
    segment_name,
    segment_value,
    cast(count_events as {{ dbt.type_bigint() }}) as count_events,
    cast(count_users as {{ dbt.type_bigint() }}) as count_users

from segment_event_trends
