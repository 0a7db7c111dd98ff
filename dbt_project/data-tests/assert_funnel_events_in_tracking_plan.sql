{#
    A funnel step names an event that the tracking plan does not know: a typo (event names in
    seeds are the normalized snake_case names) that would publish a step with 0 users. An
    error, so the marts are not published; `usage-analytics run` rejects the row before it
    builds anything (usage_analytics/analyst_inputs.py). Untracked events still land.
#}
{{ config(meta={'dagster': {'ref': {'name': 'funnel_definitions'}}}) }}

with

funnel_definitions as (

    select * from {{ ref('funnel_definitions') }}

),

tracking_plan as (

    select * from {{ ref('tracking_plan') }}

)

select
    funnel_definitions.funnel_name,
    funnel_definitions.step_number,
    funnel_definitions.event_name

from funnel_definitions

left join tracking_plan
    on funnel_definitions.event_name = tracking_plan.event_name

where tracking_plan.event_name is null
