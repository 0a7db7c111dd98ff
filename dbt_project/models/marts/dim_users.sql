-- depends_on: {{ ref('custom_dimensions') }}
with

events as (

    select * from {{ ref('fct_events') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

users_attributed as (

    select * from {{ ref('int_users_attributed') }}

),

payments as (

    select * from {{ ref('int_revenue_payments') }}

),

user_months as (

    select * from {{ ref('int_mrr_user_months') }}

),

warehouse_periods as (

    select * from {{ ref('int_warehouse_periods') }}

),

user_payments_summarized as (

    select
        user_key,
        sum(case when revenue_kind <> 'refund' then amount_reporting else 0 end)
            as lifetime_revenue,
        sum(case when revenue_kind = 'refund' then amount_reporting else 0 end)
            as lifetime_refunds,
        min(case when revenue_kind <> 'refund' then event_at end) as first_payment_at,
        max(case when revenue_kind <> 'refund' then event_at end) as last_payment_at

    from payments

    group by 1

),

user_current_mrr as (

    select
        user_months.user_key,
        user_months.mrr as current_mrr

    from user_months

    inner join warehouse_periods
        on user_months.month_start = warehouse_periods.last_month_start

),

user_events_summarized as (

    select
        user_key,
        {# a user_key that is a user_id has user_id on its own events #}
        max(user_id) as user_id,
        count(distinct anonymous_id) as count_anonymous_ids,
        max(event_at) as last_seen_at,
        max(event_date) as last_seen_date,
        count(*) as count_events,
        count(distinct case when is_active_event then event_date end) as count_active_days

    from events

    group by 1

),

user_sessions_summarized as (

    select
        user_key,
        count(*) as count_sessions

    from sessions

    group by 1

),

users as (

    select
        users_attributed.user_key,
        user_events_summarized.user_id,
        user_events_summarized.user_id is not null as is_identified,
        user_events_summarized.count_anonymous_ids,
        users_attributed.first_seen_at,
        user_events_summarized.last_seen_at,
        users_attributed.signed_up_at,
        users_attributed.cohort_week,
        coalesce(user_sessions_summarized.count_sessions, 0) as count_sessions,
        user_events_summarized.count_events,
        user_events_summarized.count_active_days,
        user_events_summarized.last_seen_date,
        {{ dbt.datediff(
            'user_events_summarized.last_seen_date', 'users_attributed.last_event_date', 'day'
        ) }} as days_since_last_seen,
        users_attributed.acquisition_channel,
        users_attributed.acquisition_source,
        users_attributed.acquisition_medium,
        users_attributed.acquisition_campaign,
        users_attributed.current_plan,
        users_attributed.count_active_days_last_28_days,
        {{- custom_dimension_columns('user', alias='users_attributed') }}
        users_attributed.activity_segment,
        coalesce(user_payments_summarized.lifetime_revenue, 0) as lifetime_revenue,
        coalesce(user_payments_summarized.lifetime_revenue, 0)
        - coalesce(user_payments_summarized.lifetime_refunds, 0) as lifetime_net_revenue,
        user_payments_summarized.first_payment_at,
        user_payments_summarized.last_payment_at,
        coalesce(user_current_mrr.current_mrr, 0) as current_mrr

    from users_attributed

    inner join user_events_summarized
        on users_attributed.user_key = user_events_summarized.user_key

    left join user_sessions_summarized
        on users_attributed.user_key = user_sessions_summarized.user_key

    left join user_payments_summarized
        on users_attributed.user_key = user_payments_summarized.user_key

    left join user_current_mrr
        on users_attributed.user_key = user_current_mrr.user_key

)

select
    user_key,
    user_id,
    is_identified,
    count_anonymous_ids,
    first_seen_at,
    last_seen_at,
    signed_up_at,
    cohort_week,
    count_sessions,
    count_events,
    count_active_days,
    days_since_last_seen,
    days_since_last_seen >= {{ int_var('inactive_after_days') }} as is_inactive,
    acquisition_channel,
    acquisition_source,
    acquisition_medium,
    acquisition_campaign,
    current_plan,
    count_active_days_last_28_days,
    activity_segment,
    cast(lifetime_revenue as double) as lifetime_revenue,
    cast(lifetime_net_revenue as double) as lifetime_net_revenue,
    first_payment_at,
    last_payment_at,
    cast(current_mrr as double) as current_mrr,
    {{- custom_dimension_columns('user') }}
    last_seen_date

from users
