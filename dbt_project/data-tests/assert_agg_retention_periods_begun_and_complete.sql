{#
    Every cohort of agg_retention has exactly the period numbers 0, 1, ... up to the last
    period that has begun by the warehouse's last event date: none missing (zero-filled), none
    after. Returns the cohorts that don't.
#}
{{ config(meta={'dagster': {'ref': {'name': 'agg_retention'}}}) }}

with

retention as (

    select * from {{ ref('agg_retention') }}

),

events as (

    select * from {{ ref('fct_events') }}

),

warehouse_last_periods as (

    select
        {{ to_reporting_period_start('max(event_at)', 'day') }} as last_day_start,
        {{ to_reporting_period_start('max(event_at)', 'week') }} as last_week_start,
        {{ to_reporting_period_start('max(event_at)', 'month') }} as last_month_start

    from events

),

cohorts_summarized as (

    select
        retention_name,
        period,
        cohort_start,
        min(period_number) as first_period_number,
        max(period_number) as last_period_number,
        count(*) as count_rows,
        max(period_start) as last_period_start

    from retention

    group by 1, 2, 3

)

select
    cohorts_summarized.*,
    warehouse_last_periods.*

from cohorts_summarized

cross join warehouse_last_periods

where cohorts_summarized.first_period_number <> 0
    or cohorts_summarized.count_rows <> cohorts_summarized.last_period_number + 1
    or cohorts_summarized.last_period_start <> case cohorts_summarized.period
        when 'day' then warehouse_last_periods.last_day_start
        when 'week' then warehouse_last_periods.last_week_start
        when 'month' then warehouse_last_periods.last_month_start
    end
