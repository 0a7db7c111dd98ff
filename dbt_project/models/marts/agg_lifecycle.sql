{#
    Lifecycle counts per period grain (day, week, month) and period. A row for every period
    from the first active period to the period of the warehouse's last event date × the four
    states (zero-filled), plus one `dormant` row for the period after the last active period
    when that period has not begun yet (the users active last are dormant there by the rule).
#}
with recursive

user_periods as (

    select * from {{ ref('int_lifecycle_user_periods') }}

),

lifecycle_states as (

    select 'new' as lifecycle_state, 1 as lifecycle_state_order

    union all

    select 'returning' as lifecycle_state, 2 as lifecycle_state_order

    union all

    select 'resurrecting' as lifecycle_state, 3 as lifecycle_state_order

    union all

    select 'dormant' as lifecycle_state, 4 as lifecycle_state_order

),

warehouse_last_periods as (

    select * from {{ ref('int_warehouse_periods') }}

),

grains_bounded as (

    select
        user_periods.period,
        min(user_periods.period_start) as first_period_start,
        max(user_periods.next_period_start) as after_last_active_period_start,
        max(case user_periods.period
            when 'day' then warehouse_last_periods.last_day_start
            when 'week' then warehouse_last_periods.last_week_start
            when 'month' then warehouse_last_periods.last_month_start
        end) as last_begun_period_start

    from user_periods

    cross join warehouse_last_periods

    group by 1

),

grains_extended as (

    {# the spine ends after the last active period, or later if later events exist #}
    select
        period,
        first_period_start,
        last_begun_period_start,
        case
            when after_last_active_period_start > last_begun_period_start
                then after_last_active_period_start
            else last_begun_period_start
        end as last_period_start

    from grains_bounded

),

grains_measured as (

    select
        period,
        first_period_start,
        last_begun_period_start,
        {{ period_datediff('period', 'first_period_start', 'last_period_start') }}
            as last_period_number

    from grains_extended

),

period_numbers as (

    {# 0, 1, ... up to the number of periods the longest grain needs #}
    select 0 as period_number

    union all

    select period_number + 1 as period_number

    from period_numbers

    where period_number < (select max(last_period_number) from grains_measured)

),

periods as (

    select
        grains_measured.period,
        cast({{ period_dateadd(
            'grains_measured.period', 'period_numbers.period_number',
            'grains_measured.first_period_start'
        ) }} as date) as period_start,
        grains_measured.last_begun_period_start

    from grains_measured

    inner join period_numbers
        on period_numbers.period_number <= grains_measured.last_period_number

),

period_states as (

    {# periods that have begun get all four states; a later one only its dormant row #}
    select
        periods.period,
        periods.period_start,
        lifecycle_states.lifecycle_state,
        lifecycle_states.lifecycle_state_order

    from periods

    cross join lifecycle_states

    where periods.period_start <= periods.last_begun_period_start
        or lifecycle_states.lifecycle_state = 'dormant'

),

active_states_counted as (

    select
        period,
        period_start,
        lifecycle_state,
        count(*) as count_users

    from user_periods

    group by 1, 2, 3

),

dormant_counted as (

    select
        period,
        next_period_start as period_start,
        'dormant' as lifecycle_state,
        count(*) as count_users

    from user_periods

    where is_dormant_next_period

    group by 1, 2, 3

),

states_counted as (

    select * from active_states_counted

    union all

    select * from dormant_counted

),

lifecycle as (

    select
        {{ dbt.hash(dbt.concat([
            'period_states.period',
            "'|'",
            'cast(period_states.period_start as ' ~ dbt.type_string() ~ ')',
            "'|'",
            'period_states.lifecycle_state',
        ])) }} as lifecycle_period_key,
        period_states.period,
        period_states.period_start,
        period_states.lifecycle_state,
        cast(period_states.lifecycle_state_order as {{ dbt.type_bigint() }})
            as lifecycle_state_order,
        cast(coalesce(states_counted.count_users, 0) as {{ dbt.type_bigint() }}) as count_users

    from period_states

    left join states_counted
        on period_states.period = states_counted.period
        and period_states.period_start = states_counted.period_start
        and period_states.lifecycle_state = states_counted.lifecycle_state

)

select
    lifecycle_period_key,
    period,
    period_start,
    lifecycle_state,
    lifecycle_state_order,
    count_users

from lifecycle
