{#
    Every funnel's steps are 1, 2, ..., n: no gap, no duplicate, none below 1, and n is at most
    10, the number of steps int_funnel_attempt_steps unrolls (raise `max_steps` there first).
    Returns the funnels that break this.
#}
select
    funnel_name,
    min(step_number) as first_step_number,
    max(step_number) as last_step_number,
    count(*) as count_rows,
    count(distinct step_number) as count_distinct_steps

from {{ ref('funnel_definitions') }}

group by 1

having min(step_number) <> 1
    or max(step_number) <> count(*)
    or count(distinct step_number) <> count(*)
    or max(step_number) > 10
