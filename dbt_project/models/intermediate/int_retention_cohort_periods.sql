{#
    The spine that retention zero-fills: every cohort of every retention definition, overall
    (segment 'all') and per user segment (int_user_segments), with its size, once per period
    number N from 0 up to the last period that has begun by the warehouse's last event date.
    Periods are day, week (Monday) or month in reporting_timezone.
#}
with

cohort_memberships as (

    select * from {{ ref('int_retention_cohorts_assigned') }}

),

user_segments as (

    select * from {{ ref('int_user_segments') }}

),

warehouse_last_periods as (

    select * from {{ ref('int_warehouse_periods') }}

),

cohort_memberships_segmented as (

    {{ segments_expanded(
        'cohort_memberships',
        ['retention_name', 'period', 'cohort_type', 'user_key', 'cohort_start'],
    ) }}

),

cohorts_sized as (

    select
        segment_name,
        segment_value,
        retention_name,
        period,
        cohort_type,
        cohort_start,
        count(*) as cohort_size

    from cohort_memberships_segmented

    group by 1, 2, 3, 4, 5, 6

),

cohorts_bounded as (

    select
        cohorts_sized.*,
        {{ period_datediff(
            'cohorts_sized.period',
            'cohorts_sized.cohort_start',
            "case cohorts_sized.period when 'day' then warehouse_last_periods.last_day_start"
            ~ " when 'week' then warehouse_last_periods.last_week_start"
            ~ " else warehouse_last_periods.last_month_start end"
        ) }} as last_period_number

    from cohorts_sized

    cross join warehouse_last_periods

),

{{ period_spine('cohort_periods_spined', 'cohorts_bounded', 'cohort_start') }}

cohort_periods as (

    select
        segment_name,
        segment_value,
        retention_name,
        period,
        cohort_type,
        cohort_start,
        period_number,
        period_start,
        cohort_size

    from cohort_periods_spined

)

select * from cohort_periods
