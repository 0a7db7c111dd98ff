{#
    Per funnel and segment value: count_users never increases from one step to the next, and
    rates lie in [0, 1].
#}
with

steps_with_previous as (

    select
        funnel_name,
        segment_name,
        segment_value,
        step_number,
        count_users,
        lag(count_users) over (
            partition by funnel_name, segment_name, segment_value
            order by step_number
        ) as count_users_previous_step,
        conversion_rate_from_first,
        conversion_rate_from_previous

    from {{ ref('agg_funnel_conversion_by_segment') }}

)

select *

from steps_with_previous

where count_users > count_users_previous_step
    or conversion_rate_from_first not between 0 and 1
    or conversion_rate_from_previous not between 0 and 1
