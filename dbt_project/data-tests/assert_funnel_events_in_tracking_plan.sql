{{ config(severity='warn') }}
{#
    A funnel step names an event that the tracking plan does not know: likely a typo (event
    names in seeds are the normalized snake_case names). A warning, not an error, since
    untracked events still land.
#}
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
