{# The grain of agg_lifecycle: one row per period × period_start × lifecycle_state. #}
select
    period,
    period_start,
    lifecycle_state,
    count(*) as count_rows

from {{ ref('agg_lifecycle') }}

group by 1, 2, 3

having count(*) > 1
