{#
    For each segment dimension, the cohort sizes of its values add up to the overall cohort
    size (every user has exactly one value per dimension), and period 0 retains the whole
    cohort. Returns the cohorts that don't.
#}
with

by_segment as (

    select
        segment_name,
        retention_name,
        cohort_start,
        sum(cohort_size) as cohort_size,
        sum(case when count_retained <> cohort_size then 1 else 0 end) as count_bad_period_zero

    from {{ ref('agg_retention_by_segment') }}

    where period_number = 0

    group by 1, 2, 3

),

overall as (

    select
        retention_name,
        cohort_start,
        cohort_size
    from {{ ref('agg_retention') }}
    where period_number = 0

)

select
    by_segment.segment_name,
    by_segment.retention_name,
    by_segment.cohort_start,
    by_segment.cohort_size as segment_cohort_sizes,
    overall.cohort_size as overall_cohort_size

from by_segment

left join overall
    on by_segment.retention_name = overall.retention_name
    and by_segment.cohort_start = overall.cohort_start

where overall.cohort_size is null
    or by_segment.cohort_size <> overall.cohort_size
    or by_segment.count_bad_period_zero > 0
