{#
    Every event name of the tracking plan is in normalized form (CONTRACT §1): lower-case
    letters and digits (any script) in runs joined by single `_`s. A name in another form
    (`Signed Up`, `signedUp`) matches no landed event. Returns the offending rows.
#}
{{ config(meta={'dagster': {'ref': {'name': 'tracking_plan'}}}) }}

select
    event_name,
    category

from {{ ref('tracking_plan') }}

where not {{ regexp_full_match('event_name', '[\\pL\\pN]+(_[\\pL\\pN]+)*') }}
    or event_name <> lower(event_name)
