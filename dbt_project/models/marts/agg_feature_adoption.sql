{#
    Weekly adoption of each feature (events whose tracking-plan category is `feature`; the
    feature is the event name). Weeks start on Monday in `reporting_timezone` and run from the
    feature's first use to the warehouse's last event week, zero-filled.

    Denominator of adoption_rate: users active to date, i.e. users whose first active event
    falls on or before the end of the week. A feature event always makes its user active here,
    even if an analyst marks it `counts_as_active = false`, so adopters are always part of the
    base and the rate never exceeds 1.
#}
with

events as (

    select * from {{ ref('fct_events') }}

),

dates as (

    select * from {{ ref('int_dates_spined') }}

),

weeks as (

    select distinct week_start from dates

),

active_events as (

    select
        user_key,
        event_name,
        event_category,
        cast({{ dbt.date_trunc('week', 'event_date') }} as date) as week_start

    from events

    where is_active_event
        or event_category = 'feature'

),

feature_events as (

    select
        user_key,
        event_name as feature_name,
        week_start

    from active_events

    where event_category = 'feature'

),

feature_adopters as (

    {# one row per feature x user: the week of the user's first use #}
    select
        feature_name,
        user_key,
        min(week_start) as first_use_week

    from feature_events

    group by 1, 2

),

feature_new_adopters_weekly as (

    select
        feature_name,
        first_use_week as week_start,
        count(*) as count_new_adopters

    from feature_adopters

    group by 1, 2

),

feature_users_weekly as (

    select
        feature_name,
        week_start,
        count(distinct user_key) as count_active_users

    from feature_events

    group by 1, 2

),

features_first_used as (

    select
        feature_name,
        min(first_use_week) as first_use_week

    from feature_adopters

    group by 1

),

feature_weeks as (

    select
        features_first_used.feature_name,
        weeks.week_start

    from features_first_used

    inner join weeks
        on features_first_used.first_use_week <= weeks.week_start

),

users_first_active as (

    select
        user_key,
        min(week_start) as first_active_week

    from active_events

    group by 1

),

users_newly_active_weekly as (

    select
        first_active_week as week_start,
        count(*) as count_newly_active_users

    from users_first_active

    group by 1

),

users_active_weekly as (

    select
        week_start,
        count(distinct user_key) as count_weekly_active_users

    from active_events

    group by 1

),

active_base_weekly_counted as (

    {# every week, zero-filled #}
    {{ zero_filled('weeks', ['week_start'], {
        'users_newly_active_weekly': ['count_newly_active_users'],
        'users_active_weekly': ['count_weekly_active_users'],
    }) }}

),

active_base_weekly as (

    select
        week_start,
        count_weekly_active_users,
        sum(count_newly_active_users) over (
            order by week_start
            rows between unbounded preceding and current row
        ) as count_active_users_to_date

    from active_base_weekly_counted

),

feature_weeks_counted as (

    {{ zero_filled('feature_weeks', ['feature_name', 'week_start'], {
        'feature_new_adopters_weekly': ['count_new_adopters'],
        'feature_users_weekly': ['count_active_users'],
    }) }}

),

feature_adoption as (

    select
        feature_weeks_counted.feature_name,
        feature_weeks_counted.week_start,
        feature_weeks_counted.count_new_adopters,
        sum(feature_weeks_counted.count_new_adopters) over (
            partition by feature_weeks_counted.feature_name
            order by feature_weeks_counted.week_start
            rows between unbounded preceding and current row
        ) as count_adopters_to_date,
        feature_weeks_counted.count_active_users,
        active_base_weekly.count_active_users_to_date,
        active_base_weekly.count_weekly_active_users

    from feature_weeks_counted

    inner join active_base_weekly
        on feature_weeks_counted.week_start = active_base_weekly.week_start

)

select
    {{ dbt.concat([
        'feature_name', "'|'", dbt.cast('week_start', dbt.type_string())
    ]) }} as feature_week_key,
    feature_name,
    week_start,
    cast(count_new_adopters as {{ dbt.type_bigint() }}) as count_new_adopters,
    cast(count_adopters_to_date as {{ dbt.type_bigint() }}) as count_adopters_to_date,
    cast(count_active_users as {{ dbt.type_bigint() }}) as count_active_users,
    cast(count_active_users_to_date as {{ dbt.type_bigint() }}) as count_active_users_to_date,
    cast(count_adopters_to_date as double) / nullif(count_active_users_to_date, 0)
        as adoption_rate,
    cast(count_weekly_active_users as {{ dbt.type_bigint() }}) as count_weekly_active_users,
    cast(count_active_users as double) / nullif(count_weekly_active_users, 0)
        as weekly_usage_rate

from feature_adoption
