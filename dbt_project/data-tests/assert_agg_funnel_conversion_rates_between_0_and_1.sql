{#
    Conversion rates lie in [0, 1], and are null exactly when their denominator is zero (no
    user at step 1, or at the previous step).
#}
with

steps_with_previous as (

    select
        funnel_name,
        step_number,
        count_users,
        count_users_first_step,
        coalesce(
            lag(count_users) over (partition by funnel_name order by step_number),
            count_users_first_step
        ) as count_users_previous_step,
        conversion_rate_from_first,
        conversion_rate_from_previous

    from {{ ref('agg_funnel_conversion') }}

)

select *

from steps_with_previous

where conversion_rate_from_first < 0
    or conversion_rate_from_first > 1
    or conversion_rate_from_previous < 0
    or conversion_rate_from_previous > 1
    or (conversion_rate_from_first is null) <> (count_users_first_step = 0)
    or (conversion_rate_from_previous is null) <> (count_users_previous_step = 0)
