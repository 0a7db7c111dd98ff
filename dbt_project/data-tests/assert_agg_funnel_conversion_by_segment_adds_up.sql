{#
    Each user has one value per segment_name, so for every funnel step and segment_name the
    segment counts add up to agg_funnel_conversion.count_users (a funnel nobody entered has no
    segment rows: its total is 0). Returns the steps and segment names that do not add up.
#}
with

funnel_conversion as (

    select * from {{ ref('agg_funnel_conversion') }}

),

segment_totals as (

    select
        funnel_name,
        step_number,
        segment_name,
        sum(count_users) as count_users

    from {{ ref('agg_funnel_conversion_by_segment') }}

    group by 1, 2, 3

),

segment_names as (

    select distinct segment_name
    from {{ ref('int_user_segments') }}

),

expected_totals as (

    select
        funnel_conversion.funnel_name,
        funnel_conversion.step_number,
        segment_names.segment_name,
        funnel_conversion.count_users

    from funnel_conversion

    cross join segment_names

)

select
    expected_totals.funnel_name,
    expected_totals.step_number,
    expected_totals.segment_name,
    expected_totals.count_users as count_users_in_funnel,
    segment_totals.count_users as count_users_over_segment_values

from expected_totals

left join segment_totals
    on expected_totals.funnel_name = segment_totals.funnel_name
    and expected_totals.step_number = segment_totals.step_number
    and expected_totals.segment_name = segment_totals.segment_name

where coalesce(segment_totals.count_users, 0) <> expected_totals.count_users
