{# The grain of fct_funnel_steps: (funnel_name, user_key, step_number) is unique. #}
select
    funnel_name,
    user_key,
    step_number,
    count(*) as count_rows

from {{ ref('fct_funnel_steps') }}

group by 1, 2, 3

having count(*) > 1
