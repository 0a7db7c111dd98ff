{#
    One row per valid revenue event (int_revenue_events_validated without a problem): what the
    revenue marts add up. `amount_reporting` is in the reporting currency, positive for
    refunds too (they are subtracted where net revenue is computed). A subscription payment
    covers `months_covered` months (1 for `month`, 12 for `year`) and is worth
    `mrr_amount` = amount_reporting / months_covered of monthly recurring revenue.
#}
with

revenue_events as (

    select * from {{ ref('int_revenue_events_validated') }}

    where problem is null

)

select
    event_id,
    user_key,
    event_name,
    event_at,
    event_date as revenue_date,
    revenue_kind,
    currency,
    amount,
    amount_reporting,
    billing_interval,
    case billing_interval when 'month' then 1 when 'year' then 12 end as months_covered,
    cast(case billing_interval
        when 'month' then amount_reporting
        when 'year' then amount_reporting / 12
    end as {{ dbt.type_numeric() }}) as mrr_amount

from revenue_events
