{#
    Retention, overall (segment 'all') and per user segment (int_user_segments), of every
    definition in seeds/retention_definitions.csv, one row per segment × cohort
    period × period number N, from N = 0 up to the last period that has begun by the
    warehouse's last event date (zero-filled). "On": members with a return event in period N.
    "On or after" (unbounded): members with a return event in period N or later. Period 0 is
    the whole cohort in both. Periods are day, week (Monday) or month in reporting_timezone.
#}
with recursive

cohort_memberships_unsegmented as (

    select * from {{ ref('int_retention_cohorts_assigned') }}

),

user_segments as (

    select * from {{ ref('int_user_segments') }}

),

cohort_memberships as (

    {# every membership once overall, and once per segment the member belongs to #}
    select
        retention_name,
        period,
        cohort_type,
        user_key,
        cohort_start,
        'all' as segment_name,
        'all' as segment_value

    from cohort_memberships_unsegmented

    union all

    select
        cohort_memberships_unsegmented.retention_name,
        cohort_memberships_unsegmented.period,
        cohort_memberships_unsegmented.cohort_type,
        cohort_memberships_unsegmented.user_key,
        cohort_memberships_unsegmented.cohort_start,
        user_segments.segment_name,
        user_segments.segment_value

    from cohort_memberships_unsegmented

    inner join user_segments
        on cohort_memberships_unsegmented.user_key = user_segments.user_key

),

user_periods as (

    select * from {{ ref('int_retention_user_periods') }}

),

warehouse_last_periods as (

    select * from {{ ref('int_warehouse_periods') }}

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

    from cohort_memberships

    group by 1, 2, 3, 4, 5, 6

),

cohorts_bounded as (

    select
        cohorts_sized.segment_name,
        cohorts_sized.segment_value,
        cohorts_sized.retention_name,
        cohorts_sized.period,
        cohorts_sized.cohort_type,
        cohorts_sized.cohort_start,
        cohorts_sized.cohort_size,
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

period_numbers as (

    {# 0, 1, ... up to the largest period number any cohort needs #}
    select 0 as period_number

    union all

    select period_number + 1 as period_number

    from period_numbers

    where period_number < (select max(last_period_number) from cohorts_bounded)

),

cohort_periods as (

    select
        cohorts_bounded.segment_name,
        cohorts_bounded.segment_value,
        cohorts_bounded.retention_name,
        cohorts_bounded.period,
        cohorts_bounded.cohort_type,
        cohorts_bounded.cohort_start,
        period_numbers.period_number,
        cast({{ period_dateadd(
            'cohorts_bounded.period', 'period_numbers.period_number',
            'cohorts_bounded.cohort_start'
        ) }} as date) as period_start,
        cohorts_bounded.cohort_size

    from cohorts_bounded

    inner join period_numbers
        on period_numbers.period_number <= cohorts_bounded.last_period_number

),

member_returns as (

    {#
        every period, at or after the cohort period, in which a member did the return event:
        once per membership, not once per membership and segment (a recurring cohort already
        pairs each membership with each later return, the segments would multiply that again)
    #}
    select
        cohort_memberships_unsegmented.retention_name,
        cohort_memberships_unsegmented.cohort_start,
        cohort_memberships_unsegmented.user_key,
        {{ period_datediff(
            'cohort_memberships_unsegmented.period', 'cohort_memberships_unsegmented.cohort_start',
            'user_periods.period_start'
        ) }} as period_number

    from cohort_memberships_unsegmented

    inner join user_periods
        on cohort_memberships_unsegmented.retention_name = user_periods.retention_name
        and cohort_memberships_unsegmented.user_key = user_periods.user_key
        and cohort_memberships_unsegmented.cohort_start <= user_periods.period_start

    where user_periods.has_return_event

),

user_signature_texts as (

    {#
        users with the same value in every segment dimension share a signature, so returns
        are counted per signature and then per segment value (the length prefix keeps two
        different combinations of values from ever reading alike)
    #}
    select
        user_key,
        {{ dbt.listagg(
            dbt.concat([
                'segment_name', "'='",
                dbt.safe_cast(dbt.length('segment_value'), dbt.type_string()), "':'",
                'segment_value',
            ]),
            "'|'",
            'order by segment_name',
        ) }} as segment_signature_text

    from user_segments

    group by 1

),

user_signatures as (

    {# a small integer per signature: returns are grouped and joined on it millions of times #}
    select
        user_key,
        dense_rank() over (order by segment_signature_text) as segment_signature

    from user_signature_texts

),

segments_numbered as (

    {# each segment value as a small integer, to group millions of rows on #}
    select
        segment_name,
        segment_value,
        dense_rank() over (order by segment_name, segment_value) as segment_number

    from (select distinct segment_name, segment_value from user_segments) as segment_values

),

signature_segments as (

    select distinct
        user_signatures.segment_signature,
        segments_numbered.segment_number

    from user_signatures

    inner join user_segments
        on user_signatures.user_key = user_segments.user_key

    inner join segments_numbered
        on user_segments.segment_name = segments_numbered.segment_name
        and user_segments.segment_value = segments_numbered.segment_value

),

returns_by_signature as (

    select
        user_signatures.segment_signature,
        member_returns.retention_name,
        member_returns.cohort_start,
        member_returns.period_number,
        count(*) as count_members

    from member_returns

    inner join user_signatures
        on member_returns.user_key = user_signatures.user_key

    group by 1, 2, 3, 4

),

returns_by_segment_number as (

    select
        signature_segments.segment_number,
        returns_by_signature.retention_name,
        returns_by_signature.cohort_start,
        returns_by_signature.period_number,
        sum(returns_by_signature.count_members) as count_members

    from returns_by_signature

    inner join signature_segments
        on returns_by_signature.segment_signature = signature_segments.segment_signature

    group by 1, 2, 3, 4

),

returns_on_period as (

    select
        'all' as segment_name,
        'all' as segment_value,
        retention_name,
        cohort_start,
        period_number,
        count(*) as count_members

    from member_returns

    group by 1, 2, 3, 4, 5

    union all

    select
        segments_numbered.segment_name,
        segments_numbered.segment_value,
        returns_by_segment_number.retention_name,
        returns_by_segment_number.cohort_start,
        returns_by_segment_number.period_number,
        cast(returns_by_segment_number.count_members as {{ dbt.type_bigint() }}) as count_members

    from returns_by_segment_number

    inner join segments_numbered
        on returns_by_segment_number.segment_number = segments_numbered.segment_number

),

member_last_returns as (

    select
        retention_name,
        cohort_start,
        user_key,
        max(period_number) as last_return_period_number

    from member_returns

    group by 1, 2, 3

),

last_returns_counted as (

    select
        'all' as segment_name,
        'all' as segment_value,
        retention_name,
        cohort_start,
        last_return_period_number,
        count(*) as count_members

    from member_last_returns

    group by 1, 2, 3, 4, 5

    union all

    select
        user_segments.segment_name,
        user_segments.segment_value,
        member_last_returns.retention_name,
        member_last_returns.cohort_start,
        member_last_returns.last_return_period_number,
        count(*) as count_members

    from member_last_returns

    inner join user_segments
        on member_last_returns.user_key = user_segments.user_key

    group by 1, 2, 3, 4, 5

),

cohort_periods_counted as (

    select
        cohort_periods.segment_name,
        cohort_periods.segment_value,
        cohort_periods.retention_name,
        cohort_periods.period,
        cohort_periods.cohort_type,
        cohort_periods.cohort_start,
        cohort_periods.period_number,
        cohort_periods.period_start,
        cohort_periods.cohort_size,
        coalesce(returns_on_period.count_members, 0) as count_returned_on,
        {# members whose last return is in period N or later returned on or after N #}
        sum(coalesce(last_returns_counted.count_members, 0)) over (
            partition by
                cohort_periods.segment_name,
                cohort_periods.segment_value,
                cohort_periods.retention_name,
                cohort_periods.cohort_start
            order by cohort_periods.period_number desc
            rows between unbounded preceding and current row
        ) as count_returned_on_or_after

    from cohort_periods

    left join returns_on_period
        on cohort_periods.segment_name = returns_on_period.segment_name
        and cohort_periods.segment_value = returns_on_period.segment_value
        and cohort_periods.retention_name = returns_on_period.retention_name
        and cohort_periods.cohort_start = returns_on_period.cohort_start
        and cohort_periods.period_number = returns_on_period.period_number

    left join last_returns_counted
        on cohort_periods.segment_name = last_returns_counted.segment_name
        and cohort_periods.segment_value = last_returns_counted.segment_value
        and cohort_periods.retention_name = last_returns_counted.retention_name
        and cohort_periods.cohort_start = last_returns_counted.cohort_start
        and cohort_periods.period_number = last_returns_counted.last_return_period_number

),

retention as (

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

    from cohort_periods_counted

)

select
    retention_period_key,
    segment_name,
    segment_value,
    retention_name,
    period,
    cohort_type,
    cohort_start,
    period_number,
    period_start,
    cohort_size,
    count_retained,
    cast(count_retained as double) / cohort_size as retention_rate,
    count_retained_unbounded,
    cast(count_retained_unbounded as double) / cohort_size as retention_rate_unbounded

from retention
