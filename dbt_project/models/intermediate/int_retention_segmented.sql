{#
    Retention, overall (segment 'all') and per user segment (int_user_segments), of every
    definition in seeds/retention_definitions.csv, one row per segment × cohort period ×
    period number, from N = 0 up to the last period that has begun by the warehouse's last
    event date (zero-filled). "On": members with a return event in period N. "On or after"
    (unbounded): members with a return event in period N or later. Period 0 is the whole
    cohort in both. Periods are day, week (Monday) or month in reporting_timezone.

    Built in steps: int_retention_cohort_periods (the spine, with cohort sizes),
    int_retention_member_returns, int_retention_period_returns and int_retention_last_returns
    (the counts), zero-filled here.
#}
with

cohort_periods as (

    select * from {{ ref('int_retention_cohort_periods') }}

),

period_returns as (

    select * from {{ ref('int_retention_period_returns') }}

),

last_returns as (

    select * from {{ ref('int_retention_last_returns') }}

),

cohort_periods_counted as (

    {{ zero_filled(
        'cohort_periods',
        ['segment_name', 'segment_value', 'retention_name', 'cohort_start', 'period_number'],
        {'period_returns': ['count_returned_on'], 'last_returns': ['count_last_returned']},
    ) }}

),

cohort_periods_accumulated as (

    select
        *,
        {# members whose last return is in period N or later returned on or after N #}
        sum(count_last_returned) over (
            partition by segment_name, segment_value, retention_name, cohort_start
            order by period_number desc
            rows between unbounded preceding and current row
        ) as count_returned_on_or_after

    from cohort_periods_counted

),

retention_counted as (

    select
        {{ dbt.hash(dbt.concat([
            'retention_name',
            "'|'",
            'cast(cohort_start as ' ~ dbt.type_string() ~ ')',
            "'|'",
            'cast(period_number as ' ~ dbt.type_string() ~ ')',
        ])) }} as retention_period_key,
        segment_name,
        segment_value,
        retention_name,
        period,
        cohort_type,
        cohort_start,
        cast(period_number as {{ dbt.type_bigint() }}) as period_number,
        period_start,
        cast(cohort_size as {{ dbt.type_bigint() }}) as cohort_size,
        cast(
            case when period_number = 0 then cohort_size else count_returned_on end
            as {{ dbt.type_bigint() }}
        ) as count_retained,
        cast(
            case when period_number = 0 then cohort_size else count_returned_on_or_after end
            as {{ dbt.type_bigint() }}
        ) as count_retained_unbounded

    from cohort_periods_accumulated

),

retention_rated as (

    select
        *,
        cast(count_retained as double) / cohort_size as retention_rate,
        cast(count_retained_unbounded as double) / cohort_size as retention_rate_unbounded

    from retention_counted

),

retention as (

    select
        retention_period_key,
        segment_name,
        segment_value,
        {{ retention_columns() }}

    from retention_rated

)

select * from retention
