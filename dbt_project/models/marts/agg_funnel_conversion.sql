{#
    Every defined step of every funnel, zero users included. count_users at step k = users
    whose furthest step is k or later (fct_funnel_steps has a row per step reached). A rate
    whose denominator is zero is null. Medians use percentile_cont(0.5) within group (...),
    an ordered-set aggregate that DuckDB, Postgres, Snowflake, Spark 3.3+ and others share.
#}
with

funnel_definitions as (

    select * from {{ ref('funnel_definitions') }}

),

funnel_steps as (

    select * from {{ ref('fct_funnel_steps') }}

),

steps_summarized as (

    select
        funnel_name,
        step_number,
        count(*) as count_users,
        avg(seconds_from_previous_step) as avg_seconds_from_previous,
        percentile_cont(0.5) within group (order by seconds_from_previous_step)
            as median_seconds_from_previous,
        avg(seconds_from_first_step) as avg_seconds_from_first,
        percentile_cont(0.5) within group (order by seconds_from_first_step)
            as median_seconds_from_first

    from funnel_steps

    group by 1, 2

),

steps_counted as (

    {# every defined step, zero users included #}
    {{ zero_filled(
        'funnel_definitions', ['funnel_name', 'step_number'],
        {'steps_summarized': ['count_users']},
        carried={'steps_summarized': [
            'avg_seconds_from_previous', 'median_seconds_from_previous',
            'avg_seconds_from_first', 'median_seconds_from_first',
        ]},
    ) }}

),

steps_compared as (

    select
        *,
        step_number = max(step_number) over (partition by funnel_name) as is_last_step,
        first_value(count_users) over (
            partition by funnel_name
            order by step_number
            rows between unbounded preceding and unbounded following
        ) as count_users_first_step,
        lag(count_users) over (
            partition by funnel_name
            order by step_number
        ) as count_users_previous_step

    from steps_counted

),

conversion_rates as (

    select
        {{ dbt.hash(dbt.concat([
            'funnel_name', "'|'", dbt.safe_cast('step_number', dbt.type_string())
        ])) }} as funnel_step_id,
        *,
        case
            when count_users_first_step > 0
                then cast(count_users as double) / count_users_first_step
        end as conversion_rate_from_first,
        {# step 1 is its own previous step: its rate is 1 (null when nobody entered) #}
        case
            when coalesce(count_users_previous_step, count_users_first_step) > 0
                then cast(count_users as double)
                    / coalesce(count_users_previous_step, count_users_first_step)
        end as conversion_rate_from_previous

    from steps_compared

)

select
    funnel_step_id,
    funnel_name,
    step_number,
    event_name,
    is_last_step,
    cast(count_users as {{ dbt.type_bigint() }}) as count_users,
    cast(count_users_first_step as {{ dbt.type_bigint() }}) as count_users_first_step,
    conversion_rate_from_first,
    conversion_rate_from_previous,
    cast(avg_seconds_from_previous as double) as avg_seconds_from_previous,
    cast(median_seconds_from_previous as double) as median_seconds_from_previous,
    cast(avg_seconds_from_first as double) as avg_seconds_from_first,
    cast(median_seconds_from_first as double) as median_seconds_from_first

from conversion_rates
