{#
    dim_dates (MetricFlow's time spine) holds exactly the dates agg_active_users has a row
    for: the semantic layer's active users fill days without activity from it, so a date
    missing on either side makes `mf query` and the mart disagree. Returns the dates found on
    one side only.
#}
with

dates as (

    select * from {{ ref('dim_dates') }}

),

active_users as (

    select * from {{ ref('agg_active_users') }}

)

select
    dates.date_day,
    active_users.activity_date

from dates

full outer join active_users
    on dates.date_day = active_users.activity_date

where dates.date_day is null or active_users.activity_date is null
