{#
    Daily, weekly and monthly active users (CONTRACT §6). A user is active on a date (in
    `reporting_timezone`) when they have an event that counts as active (unknown events
    count). wau / mau are distinct users over the 7 / 30 days ending on the date, inclusive:
    each user-day of activity is joined to the dates whose window contains it, then users are
    counted distinct per date (a sum of daily dau would count a user once per active day).
#}
with

user_event_days as (

    select * from {{ ref('int_user_event_days') }}

),

dates as (

    select * from {{ ref('int_dates_spined') }}

),

date_bounds as (

    select min(date_day) as first_date from dates

),

user_active_days as (

    select distinct
        user_key,
        event_date as active_date

    from user_event_days

    where is_active_event

),

user_active_days_in_windows as (

    {# one row per date x user-day falling in the 30 days ending on that date #}
    select
        dates.date_day as activity_date,
        user_active_days.user_key,
        user_active_days.active_date

    from dates

    left join user_active_days
        on user_active_days.active_date <= dates.date_day
        and user_active_days.active_date
            > cast({{ dbt.dateadd('day', -30, 'dates.date_day') }} as date)

),

active_users_counted as (

    select
        activity_date,
        count(distinct case when active_date = activity_date then user_key end) as dau,
        count(distinct case
            when active_date > cast({{ dbt.dateadd('day', -7, 'activity_date') }} as date)
                then user_key
        end) as wau,
        count(distinct user_key) as mau

    from user_active_days_in_windows

    group by 1

),

active_users as (

    select
        active_users_counted.activity_date,
        cast(active_users_counted.dau as {{ dbt.type_bigint() }}) as dau,
        cast(active_users_counted.wau as {{ dbt.type_bigint() }}) as wau,
        cast(active_users_counted.mau as {{ dbt.type_bigint() }}) as mau,
        cast(active_users_counted.dau as double)
            / nullif(active_users_counted.mau, 0) as stickiness,
        {{ dbt.datediff('date_bounds.first_date', 'active_users_counted.activity_date', 'day') }}
            >= 6 as is_wau_window_complete,
        {{ dbt.datediff('date_bounds.first_date', 'active_users_counted.activity_date', 'day') }}
            >= 29 as is_mau_window_complete

    from active_users_counted

    cross join date_bounds

)

select
    activity_date,
    dau,
    wau,
    mau,
    stickiness,
    is_wau_window_complete,
    is_mau_window_complete

from active_users
