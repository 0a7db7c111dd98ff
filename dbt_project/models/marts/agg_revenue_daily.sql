-- depends_on: {{ ref('int_touched_days') }}
{#
    Revenue per reporting day (in `reporting_timezone`, amounts in the reporting currency):
    orders and subscription payments (`count_orders`, `revenue`, the users who paid, the
    average order value), refunds on the day they happen (`refunds`, netted in
    `net_revenue`), and revenue per active user (ARPU over the day's active users, as dau
    counts them) and per paying user. Only valid revenue events count (int_revenue_payments:
    a problem amount is in audit.revenue_problems, never a 0 here). One row per day with at
    least one event; a ratio with a zero denominator is null.

    Incremental (strategy touched_days), like agg_event_trends: a run recomputes the days
    int_touched_days lists and replaces their rows; every day when an upstream model, a seed
    (revenue events, exchange rates) or a calendar or currency var changed.
#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='touched_days',
    unique_key='revenue_date',
    on_schema_change='append_new_columns',
    post_hook=["{{ record_incremental_state() }}"],
) }}
{%- set build_plan = incremental_build_plan() %}

with

user_event_days_all as (

    select * from {{ ref('int_user_event_days') }}

),

payments_all as (

    select * from {{ ref('int_revenue_payments') }}

),

{{ rows_of_touched_days('user_event_days', 'user_event_days_all', build_plan, 'event_date') }}

{{ rows_of_touched_days('payments', 'payments_all', build_plan, 'revenue_date') }}

days as (

    select distinct event_date as revenue_date from user_event_days

),

day_active_users as (

    select
        event_date as revenue_date,
        count(distinct user_key) as count_active_users

    from user_event_days

    where is_active_event

    group by 1

),

day_payments as (

    select
        revenue_date,
        {{ revenue_sums() }}

    from payments

    group by 1

),

days_counted as (

    {{ zero_filled(
        'days', ['revenue_date'],
        {
            'day_payments': [
                'count_orders', 'revenue', 'count_paying_users', 'count_refunds', 'refunds',
            ],
            'day_active_users': ['count_active_users'],
        },
    ) }}

)

select
    revenue_date,
    {{ revenue_columns() }}

from days_counted
