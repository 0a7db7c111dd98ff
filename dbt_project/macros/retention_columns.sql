{#
    The columns of a retention row after its key and segment, in their order, as a select
    list (commas between, none after the last): retention_name, period, cohort_type,
    cohort_start, period_number, period_start, cohort_size, count_retained, retention_rate,
    count_retained_unbounded, retention_rate_unbounded. int_retention_segmented computes
    them; agg_retention and agg_retention_by_segment pass them on.
#}
{% macro retention_columns(alias=none) -%}
    {%- set names = [
        'retention_name', 'period', 'cohort_type', 'cohort_start',
        'period_number', 'period_start', 'cohort_size',
        'count_retained', 'retention_rate',
        'count_retained_unbounded', 'retention_rate_unbounded',
    ] -%}
    {{- select_list(names, alias) }}
{%- endmacro %}
