{#
    The re-engagement list: identified users that dim_users marks inactive (no event for at
    least `inactive_after_days` days before the warehouse's last event date). Visitors who
    were never identified are left out: without a user_id a campaign cannot reach them (they
    stay in dim_users). `last_active_at` is the last event that counts as active, which can be
    older than `last_seen_at` (e.g. a billing event after the user stopped coming).
    `revenue_at_risk` is the user's current MRR (dim_users.current_mrr): what the business
    loses each month if the inactive user cancels; sort by it to call the costliest first.
#}
with

users as (

    select * from {{ ref('dim_users') }}

),

events as (

    select * from {{ ref('fct_events') }}

),

warehouse_last_event_date as (

    select max(event_date) as last_event_date from events

),

users_last_active as (

    select
        user_key,
        max(event_at) as last_active_at,
        max(event_date) as last_active_date

    from events

    where is_active_event

    group by 1

),

inactive_users as (

    select
        users.user_key,
        users.user_id,
        users.signed_up_at,
        users.first_seen_at,
        users.last_seen_at,
        users.days_since_last_seen,
        users_last_active.last_active_at,
        {{ dbt.datediff(
            'users_last_active.last_active_date',
            'warehouse_last_event_date.last_event_date',
            'day'
        ) }} as days_since_last_active,
        users.cohort_week,
        users.count_sessions,
        users.count_events,
        users.count_active_days,
        users.current_mrr,
        users.lifetime_revenue

    from users

    cross join warehouse_last_event_date

    left join users_last_active
        on users.user_key = users_last_active.user_key

    where users.is_inactive
        and users.user_id is not null

)

select
    user_key,
    user_id,
    signed_up_at,
    first_seen_at,
    last_seen_at,
    cast(days_since_last_seen as {{ dbt.type_bigint() }}) as days_since_last_seen,
    last_active_at,
    cast(days_since_last_active as {{ dbt.type_bigint() }}) as days_since_last_active,
    cohort_week,
    cast(count_sessions as {{ dbt.type_bigint() }}) as count_sessions,
    cast(count_events as {{ dbt.type_bigint() }}) as count_events,
    cast(count_active_days as {{ dbt.type_bigint() }}) as count_active_days,
    cast(current_mrr as double) as revenue_at_risk,
    cast(lifetime_revenue as double) as lifetime_revenue

from inactive_users
