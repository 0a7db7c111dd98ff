{#
    "On or after" retention can only fall as the period number grows: returns the rows whose
    count_retained_unbounded exceeds the previous period's, or whose cohort_size changes within
    a cohort.
#}
with

retention as (

    select * from {{ ref('agg_retention') }}

),

retention_with_previous as (

    select
        retention_name,
        cohort_start,
        period_number,
        cohort_size,
        count_retained_unbounded,
        lag(count_retained_unbounded) over (
            partition by retention_name, cohort_start order by period_number
        ) as previous_count_retained_unbounded,
        lag(cohort_size) over (
            partition by retention_name, cohort_start order by period_number
        ) as previous_cohort_size

    from retention

)

select *

from retention_with_previous

where count_retained_unbounded > previous_count_retained_unbounded
    or cohort_size <> previous_cohort_size
