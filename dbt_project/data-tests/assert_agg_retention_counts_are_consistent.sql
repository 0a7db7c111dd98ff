{#
    Row by row invariants of agg_retention: period 0 is the whole cohort in both variants;
    0 <= count_retained <= count_retained_unbounded <= cohort_size; both rates lie in [0, 1]
    and equal their count / cohort_size. Returns the rows that break one.
#}
select
    retention_period_key,
    {{ retention_columns() }}

from {{ ref('agg_retention') }}

where (period_number = 0 and count_retained <> cohort_size)
    or (period_number = 0 and count_retained_unbounded <> cohort_size)
    or cohort_size <= 0
    or count_retained < 0
    or count_retained > count_retained_unbounded
    or count_retained_unbounded > cohort_size
    or retention_rate < 0
    or retention_rate > 1
    or retention_rate_unbounded < 0
    or retention_rate_unbounded > 1
    or abs(retention_rate - cast(count_retained as double) / cohort_size) > 1e-9
    or abs(
        retention_rate_unbounded - cast(count_retained_unbounded as double) / cohort_size
    ) > 1e-9
