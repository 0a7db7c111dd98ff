{# The grain of agg_retention: one row per retention_name × cohort_start × period_number. #}
select
    retention_name,
    cohort_start,
    period_number,
    count(*) as count_rows

from {{ ref('agg_retention') }}

group by 1, 2, 3

having count(*) > 1
