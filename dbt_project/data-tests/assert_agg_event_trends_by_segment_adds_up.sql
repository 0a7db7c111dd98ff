{#
    For each segment dimension, the events and users of its values add up to
    agg_event_trends (every user has exactly one value per dimension). Returns the day, event
    and segment_name that don't.
#}
with

by_segment as (

    select
        event_date,
        event_name,
        segment_name,
        sum(count_events) as count_events,
        sum(count_users) as count_users

    from {{ ref('agg_event_trends_by_segment') }}

    group by 1, 2, 3

),

overall as (

    select * from {{ ref('agg_event_trends') }}

)

select
    by_segment.event_date,
    by_segment.event_name,
    by_segment.segment_name,
    by_segment.count_users as segment_users,
    overall.count_users as overall_users

from by_segment

left join overall
    on by_segment.event_date = overall.event_date
    and by_segment.event_name = overall.event_name

where overall.event_date is null
    or by_segment.count_events <> overall.count_events
    or by_segment.count_users <> overall.count_users
