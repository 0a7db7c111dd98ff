{#
    Retention of every definition in seeds/retention_definitions.csv over all users: the
    'all' segment of int_retention_segmented (rules in that model's header).
#}
with

retention_segmented as (

    select * from {{ ref('int_retention_segmented') }}

)

select
    retention_period_key,
    retention_name,
    period,
    cohort_type,
    cohort_start,
    period_number,
    period_start,
    cohort_size,
    count_retained,
    retention_rate,
    count_retained_unbounded,
    retention_rate_unbounded

from retention_segmented

where segment_name = 'all'
