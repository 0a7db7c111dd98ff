{# Retention rates, "on" and "on or after", lie in [0, 1]. #}
with

retention as (

    select
        retention_name,
        cohort_start,
        period_number,
        retention_rate,
        retention_rate_unbounded

    from {{ ref('agg_retention') }}

)

select *

from retention

where retention_rate < 0
    or retention_rate > 1
    or retention_rate_unbounded < 0
    or retention_rate_unbounded > 1
