{#
    agg_funnel_conversion broken down by every user segment of int_user_segments (one value
    per user and segment_name). Rows exist for each funnel × segment value with at least one
    user who entered the funnel, for every defined step of that funnel (zero users included).
    A rate whose denominator is zero is null. Medians: percentile_cont(0.5) within group (...).
#}
with

funnel_definitions as (

    select * from {{ ref('funnel_definitions') }}

),

funnel_steps as (

    select * from {{ ref('fct_funnel_steps') }}

),

user_segments as (

    select * from {{ ref('int_user_segments') }}

),

funnel_steps_segmented as (

    {{ segments_expanded(
        'funnel_steps',
        ['funnel_name', 'step_number', 'seconds_from_previous_step', 'seconds_from_first_step'],
        overall=false,
    ) }}

),

segment_steps_summarized as (

    select
        funnel_name,
        segment_name,
        segment_value,
        step_number,
        count(*) as count_users,
        percentile_cont(0.5) within group (order by seconds_from_previous_step)
            as median_seconds_from_previous,
        percentile_cont(0.5) within group (order by seconds_from_first_step)
            as median_seconds_from_first

    from funnel_steps_segmented

    group by 1, 2, 3, 4

),

funnel_segment_values as (

    {# the segment values with at least one user who entered the funnel #}
    select distinct
        funnel_name,
        segment_name,
        segment_value

    from segment_steps_summarized

),

segment_steps as (

    {# every defined step of the funnel, for each of those segment values #}
    select
        funnel_definitions.funnel_name,
        funnel_definitions.step_number,
        funnel_definitions.event_name,
        funnel_segment_values.segment_name,
        funnel_segment_values.segment_value

    from funnel_definitions

    inner join funnel_segment_values
        on funnel_definitions.funnel_name = funnel_segment_values.funnel_name

),

segment_steps_counted as (

    {{ zero_filled(
        'segment_steps', ['funnel_name', 'step_number', 'segment_name', 'segment_value'],
        {'segment_steps_summarized': ['count_users']},
        carried={'segment_steps_summarized': [
            'median_seconds_from_previous', 'median_seconds_from_first',
        ]},
    ) }}

),

segment_steps_compared as (

    select
        *,
        step_number = max(step_number) over (
            partition by funnel_name, segment_name, segment_value
        ) as is_last_step,
        first_value(count_users) over (
            partition by funnel_name, segment_name, segment_value
            order by step_number
            rows between unbounded preceding and unbounded following
        ) as count_users_first_step,
        lag(count_users) over (
            partition by funnel_name, segment_name, segment_value
            order by step_number
        ) as count_users_previous_step

    from segment_steps_counted

),

conversion_rates as (

    select
        {{ dbt.hash(dbt.concat([
            'funnel_name', "'|'", dbt.safe_cast('step_number', dbt.type_string()), "'|'",
            'segment_name', "'|'", 'segment_value'
        ])) }} as funnel_step_segment_id,
        *,
        case
            when count_users_first_step > 0
                then cast(count_users as double) / count_users_first_step
        end as conversion_rate_from_first,
        {# as in agg_funnel_conversion: step 1 is its own previous step #}
        case
            when coalesce(count_users_previous_step, count_users_first_step) > 0
                then cast(count_users as double)
                    / coalesce(count_users_previous_step, count_users_first_step)
        end as conversion_rate_from_previous

    from segment_steps_compared

)

select
    funnel_step_segment_id,
    funnel_name,
    step_number,
    event_name,
    is_last_step,
    segment_name,
    segment_value,
    cast(count_users as {{ dbt.type_bigint() }}) as count_users,
    cast(count_users_first_step as {{ dbt.type_bigint() }}) as count_users_first_step,
    conversion_rate_from_first,
    conversion_rate_from_previous,
    cast(median_seconds_from_previous as double) as median_seconds_from_previous,
    cast(median_seconds_from_first as double) as median_seconds_from_first

from conversion_rates
