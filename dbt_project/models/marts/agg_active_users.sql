{#
    Daily, weekly and monthly active users (CONTRACT §6). A user is active on a date (in
    `reporting_timezone`) when they have an event that counts as active (unknown events
    count). wau / mau are distinct users over the 7 / 30 days ending on the date, inclusive
    (a sum of daily dau would count a user once per active day): each user's active days
    become non-overlapping spans of dates (user_active_spans), and a running sum of where
    spans start and end counts them, in time linear in the user-days.
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

user_active_days_sequenced as (

    select
        user_key,
        active_date,
        lead(active_date) over (partition by user_key order by active_date) as next_active_date

    from user_active_days

),

user_active_spans as (

    {#
        A user counts in the wau (mau) of date d when one of their active days a has
        d - 7 < a <= d (d - 30 < a <= d). Credit d to the user's latest active day at or before
        it: each active day then covers the dates from itself to the day before the earlier of
        a + 7 (a + 30) and the user's next active day. Those spans never overlap, so a date's
        wau (mau) is the number of spans covering it: no per-date distinct count over every
        (date, user-day) pair.
    #}
    select
        active_date,
        case
            when next_active_date is null
                or next_active_date > cast({{ dbt.dateadd('day', 7, 'active_date') }} as date)
                then cast({{ dbt.dateadd('day', 7, 'active_date') }} as date)
            else next_active_date
        end as wau_span_ends_before,
        case
            when next_active_date is null
                or next_active_date > cast({{ dbt.dateadd('day', 30, 'active_date') }} as date)
                then cast({{ dbt.dateadd('day', 30, 'active_date') }} as date)
            else next_active_date
        end as mau_span_ends_before

    from user_active_days_sequenced

),

span_edges as (

    {# +1 where a span starts, -1 on the first date after it ends #}
    select
        active_date as edge_date,
        1 as dau_change,
        1 as wau_change,
        1 as mau_change
    from user_active_spans

    union all

    select
        cast({{ dbt.dateadd('day', 1, 'active_date') }} as date) as edge_date,
        -1 as dau_change,
        0 as wau_change,
        0 as mau_change
    from user_active_spans

    union all

    select
        wau_span_ends_before as edge_date,
        0 as dau_change,
        -1 as wau_change,
        0 as mau_change
    from user_active_spans

    union all

    select
        mau_span_ends_before as edge_date,
        0 as dau_change,
        0 as wau_change,
        -1 as mau_change
    from user_active_spans

),

daily_changes as (

    select
        edge_date,
        sum(dau_change) as dau_change,
        sum(wau_change) as wau_change,
        sum(mau_change) as mau_change

    from span_edges

    group by 1

),

active_users_counted as (

    select
        dates.date_day as activity_date,
        sum(coalesce(daily_changes.dau_change, 0)) over (
            order by dates.date_day rows between unbounded preceding and current row
        ) as dau,
        sum(coalesce(daily_changes.wau_change, 0)) over (
            order by dates.date_day rows between unbounded preceding and current row
        ) as wau,
        sum(coalesce(daily_changes.mau_change, 0)) over (
            order by dates.date_day rows between unbounded preceding and current row
        ) as mau

    from dates

    left join daily_changes
        on dates.date_day = daily_changes.edge_date

),

active_users as (

    select
        active_users_counted.activity_date,
        cast(active_users_counted.dau as {{ dbt.type_bigint() }}) as dau,
        cast(active_users_counted.wau as {{ dbt.type_bigint() }}) as wau,
        cast(active_users_counted.mau as {{ dbt.type_bigint() }}) as mau,
        cast(active_users_counted.dau as double) / nullif(active_users_counted.mau, 0)
            as stickiness,
        (
            {{ dbt.datediff(
                'date_bounds.first_date', 'active_users_counted.activity_date', 'day'
            ) }} >= 6
        ) as is_wau_window_complete,
        (
            {{ dbt.datediff(
                'date_bounds.first_date', 'active_users_counted.activity_date', 'day'
            ) }} >= 29
        ) as is_mau_window_complete

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
