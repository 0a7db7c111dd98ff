{#
    agg_event_trends counts every event of fct_events once: per day and event name, its
    count_events equals fct_events' rows, and no day or event is missing on either side.
    Returns the days and events that differ.
#}
with

events_by_day as (

    select
        event_date,
        event_name,
        count(*) as count_events

    from {{ ref('fct_events') }}

    group by 1, 2

),

event_trends as (

    select * from {{ ref('agg_event_trends') }}

)

select
    coalesce(events_by_day.event_date, event_trends.event_date) as event_date,
    coalesce(events_by_day.event_name, event_trends.event_name) as event_name,
    events_by_day.count_events as fct_events_count,
    event_trends.count_events

from events_by_day

full outer join event_trends
    on events_by_day.event_date = event_trends.event_date
    and events_by_day.event_name = event_trends.event_name

where events_by_day.count_events is null
    or event_trends.count_events is null
    or events_by_day.count_events <> event_trends.count_events
