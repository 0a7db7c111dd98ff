{#
    Lifecycle counts per period grain (day, week, month) and period. A row for every period
    from the first active period to the period of the warehouse's last event date × the four
    states (zero-filled), plus one `dormant` row for the period after the last active period
    when that period has not begun yet (the users active last are dormant there by the rule).
#}
with

user_periods as (

    select * from {{ ref('int_lifecycle_user_periods') }}

),

lifecycle_states as (

    select
        'new' as lifecycle_state,
        1 as lifecycle_state_order

    union all

    select
        'returning' as lifecycle_state,
        2 as lifecycle_state_order

    union all

    select
        'resurrecting' as lifecycle_state,
        3 as lifecycle_state_order

    union all

    select
        'dormant' as lifecycle_state,
        4 as lifecycle_state_order

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

{{ period_spine('periods', 'grains_measured', 'first_period_start') }}

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

period_states_counted as (

    {{ zero_filled(
        'period_states', ['period', 'period_start', 'lifecycle_state'],
        {'states_counted': ['count_users']},
    ) }}

),

lifecycle as (

    select
        {{ dbt.hash(dbt.concat([
            'period',
            "'|'",
            'cast(period_start as ' ~ dbt.type_string() ~ ')',
            "'|'",
            'lifecycle_state',
        ])) }} as lifecycle_period_key,
        period,
        period_start,
        lifecycle_state,
        cast(lifecycle_state_order as {{ dbt.type_bigint() }}) as lifecycle_state_order,
        cast(count_users as {{ dbt.type_bigint() }}) as count_users

    from period_states_counted

)

select
    lifecycle_period_key,
    period,
    period_start,
    lifecycle_state,
    lifecycle_state_order,
    count_users

from lifecycle
