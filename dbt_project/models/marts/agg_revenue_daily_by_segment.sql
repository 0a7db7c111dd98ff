{#
    agg_revenue_daily broken down by every user segment of int_user_segments (the segments of
    funnels, retention and event trends; one value per user and segment): a user's orders,
    refunds and activity count in the user's value of each segment. Rows exist for each day ×
    segment value with an active user or a revenue event. Rebuilt whole every run: a user's
    segment values (activity segment, current plan) change with every run.
#}
with

user_event_days as (

    select * from {{ ref('int_user_event_days') }}

),

payments as (

    select * from {{ ref('int_revenue_payments') }}

),

user_segments as (

    select * from {{ ref('int_user_segments') }}

),

user_active_days as (

    select distinct
        user_key,
        event_date as revenue_date

    from user_event_days

    where is_active_event

),

user_active_days_segmented as (

    {{ segments_expanded('user_active_days', ['user_key', 'revenue_date'], overall=false) }}

),

payments_segmented as (

    {{ segments_expanded(
        'payments',
        ['user_key', 'revenue_date', 'revenue_kind', 'amount_reporting'],
        overall=false,
    ) }}

),

segment_day_active_users as (

    select
        revenue_date,
        segment_name,
        segment_value,
        count(distinct user_key) as count_active_users

    from user_active_days_segmented

    group by 1, 2, 3

),

segment_day_payments as (

    select
        revenue_date,
        segment_name,
        segment_value,
        {{ revenue_sums() }}

    from payments_segmented

    group by 1, 2, 3

),

segment_days as (

    select
        revenue_date,
        segment_name,
        segment_value
    from segment_day_active_users

    union

    select
        revenue_date,
        segment_name,
        segment_value
    from segment_day_payments

),

segment_days_counted as (

    {{ zero_filled(
        'segment_days', ['revenue_date', 'segment_name', 'segment_value'],
        {
            'segment_day_payments': [
                'count_orders', 'revenue', 'count_paying_users', 'count_refunds', 'refunds',
            ],
            'segment_day_active_users': ['count_active_users'],
        },
    ) }}

)

select
    {{ dbt.hash(dbt.concat([
        dbt.safe_cast('revenue_date', dbt.type_string()), "'|'", 'segment_name', "'|'",
        'segment_value'
    ])) }} as revenue_segment_key,
    revenue_date,
    segment_name,
    segment_value,
    {{ revenue_columns() }}

from segment_days_counted
