{#
    The warehouse's last event, and the first day of the day, week (Monday) and month it falls
    in (reporting_timezone): "periods that have begun by the last event date" for retention and
    lifecycle.
#}
with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

warehouse_periods as (

    select
        max(event_at) as last_event_at,
        {{ to_reporting_period_start('max(event_at)', 'day') }} as last_day_start,
        {{ to_reporting_period_start('max(event_at)', 'week') }} as last_week_start,
        {{ to_reporting_period_start('max(event_at)', 'month') }} as last_month_start

    from events

)

select * from warehouse_periods
