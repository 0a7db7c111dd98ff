{#
    Every event of seeds/revenue_events.csv is in the tracking plan (an error: a typo would
    publish no revenue for it). Returns the offending names.
#}
{{ config(meta={'dagster': {'ref': {'name': 'revenue_events'}}}) }}

with

revenue_events as (

    select * from {{ ref('revenue_events') }}

),

tracking_plan as (

    select * from {{ ref('tracking_plan') }}

)

select revenue_events.event_name

from revenue_events

left join tracking_plan
    on revenue_events.event_name = tracking_plan.event_name

where tracking_plan.event_name is null
