{#
    A user's steps in a funnel are 1 .. furthest_step_number without gaps, each reached at or
    after the previous one, and within one attempt. Returns the users that break this.
#}
select
    funnel_name,
    user_key,
    count(*) as count_rows,
    max(step_number) as last_step_number,
    min(furthest_step_number) as furthest_step_number,
    count(distinct attempt_event_id) as count_attempts,
    min(seconds_from_previous_step) as min_seconds_from_previous_step

from {{ ref('fct_funnel_steps') }}

group by 1, 2

having count(*) <> max(step_number)
    or min(step_number) <> 1
    or max(step_number) <> min(furthest_step_number)
    or min(furthest_step_number) <> max(furthest_step_number)
    or count(distinct attempt_event_id) <> 1
    or min(seconds_from_previous_step) < 0
