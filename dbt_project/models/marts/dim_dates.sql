{#
    The warehouse's calendar, published: every date (in `reporting_timezone`) from the first to
    the last event date, whether or not anything happened. MetricFlow's time spine (the
    semantic layer joins it to fill days without activity and to roll wau/mau windows), and a
    date dimension BI tools can join the marts to. The same dates agg_active_users is built on.
#}
with

dates as (

    select * from {{ ref('int_dates_spined') }}

)

select
    date_day,
    week_start,
    month_start

from dates
