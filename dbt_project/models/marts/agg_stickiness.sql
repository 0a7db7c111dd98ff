{#
    Monthly stickiness histogram (the "power user curve"): for each calendar month (in
    `reporting_timezone`) and each k from 1 to the number of the month's days within the
    warehouse's date range, the users active on exactly k days of that month. Every k is
    present (zero-filled), so the curve can be drawn without gaps.
#}
with

events as (

    select * from {{ ref('fct_events') }}

),

dates as (

    select * from {{ ref('int_dates_spined') }}

),

active_days_grid as (

    {# k = 1 .. days of the month that lie in the warehouse's date range #}
    select
        month_start,
        row_number() over (partition by month_start order by date_day) as count_active_days,
        count(*) over (partition by month_start) as count_days_observed,
        {{ dbt.datediff(
            'month_start',
            dbt.dateadd('month', 1, 'month_start'),
            'day'
        ) }} as count_days_in_month

    from dates

),

user_active_days as (

    select distinct
        user_key,
        event_date as active_date

    from events

    where is_active_event

),

user_months as (

    select
        user_key,
        cast({{ dbt.date_trunc('month', 'active_date') }} as date) as month_start,
        count(*) as count_active_days

    from user_active_days

    group by 1, 2

),

users_per_active_days as (

    select
        month_start,
        count_active_days,
        count(*) as count_users

    from user_months

    group by 1, 2

),

monthly_active_users as (

    select
        month_start,
        count(*) as count_monthly_active_users

    from user_months

    group by 1

),

stickiness as (

    select
        active_days_grid.month_start,
        active_days_grid.count_active_days,
        coalesce(users_per_active_days.count_users, 0) as count_users,
        coalesce(monthly_active_users.count_monthly_active_users, 0)
            as count_monthly_active_users,
        active_days_grid.count_days_observed,
        active_days_grid.count_days_observed = active_days_grid.count_days_in_month
            as is_month_complete

    from active_days_grid

    left join users_per_active_days
        on active_days_grid.month_start = users_per_active_days.month_start
        and active_days_grid.count_active_days = users_per_active_days.count_active_days

    left join monthly_active_users
        on active_days_grid.month_start = monthly_active_users.month_start

),

stickiness_with_shares as (

    select
        {{ dbt.concat([
            dbt.cast('month_start', dbt.type_string()),
            "'|'",
            dbt.cast('count_active_days', dbt.type_string())
        ]) }} as month_active_days_key,
        month_start,
        count_active_days,
        count_users,
        sum(count_users) over (
            partition by month_start
            order by count_active_days desc
            rows between unbounded preceding and current row
        ) as count_users_active_at_least,
        count_monthly_active_users,
        count_days_observed,
        is_month_complete

    from stickiness

)

select
    month_active_days_key,
    month_start,
    cast(count_active_days as {{ dbt.type_bigint() }}) as count_active_days,
    cast(count_users as {{ dbt.type_bigint() }}) as count_users,
    cast(count_users as double) / nullif(count_monthly_active_users, 0) as share_of_users,
    cast(count_users_active_at_least as {{ dbt.type_bigint() }}) as count_users_active_at_least,
    cast(count_users_active_at_least as double) / nullif(count_monthly_active_users, 0)
        as share_of_users_active_at_least,
    cast(count_monthly_active_users as {{ dbt.type_bigint() }}) as count_monthly_active_users,
    cast(count_days_observed as {{ dbt.type_bigint() }}) as count_days_observed,
    is_month_complete

from stickiness_with_shares
