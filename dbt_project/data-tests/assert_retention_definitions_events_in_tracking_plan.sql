{#
    Every cohort_event and return_event of seeds/retention_definitions.csv is `*` or an event
    of the tracking plan (a relationships test on two columns at once). Returns the offending
    definition and event name: usually a typo or a name that is not snake_case.
#}
{{ config(meta={'dagster': {'ref': {'name': 'retention_definitions'}}}) }}

with

retention_definitions as (

    select * from {{ ref('retention_definitions') }}

),

tracking_plan as (

    select * from {{ ref('tracking_plan') }}

),

definition_events as (

    select
        retention_name,
        'cohort_event' as event_role,
        cohort_event as event_name
    from retention_definitions

    union all

    select
        retention_name,
        'return_event' as event_role,
        return_event as event_name
    from retention_definitions

)

select
    definition_events.retention_name,
    definition_events.event_role,
    definition_events.event_name

from definition_events

left join tracking_plan
    on definition_events.event_name = tracking_plan.event_name

where definition_events.event_name <> '*'
    and tracking_plan.event_name is null
