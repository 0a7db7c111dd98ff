{# count_users never increases from one step of a funnel to the next. #}
with

steps_with_previous as (

    select
        funnel_name,
        step_number,
        count_users,
        lag(count_users) over (
            partition by funnel_name
            order by step_number
        ) as count_users_previous_step

    from {{ ref('agg_funnel_conversion') }}

)

select *

from steps_with_previous

where count_users > count_users_previous_step
