{#
    One row per customer × reporting month (in `reporting_timezone`) in which the customer
    has monthly recurring revenue (MRR), plus the month after each run of such months (MRR 0:
    churned), with the MRR of the month before and the movement between the two (CONTRACT
    revenue rules, docs/revenue.md):

    - A subscription payment covers its period: one month (`month`) or twelve (`year`) from
      the moment it was paid, and is worth `mrr_amount` a month (a yearly payment 1/12 of its
      amount). A later payment of the same customer replaces it from the moment it is paid
      (an upgrade, a downgrade or a renewal: the latest payment is the subscription in force).
    - A customer's MRR in a month is the `mrr_amount` of the payment in force at the end of
      the month: the latest payment made before the month ended whose period has not ended by
      then. For the warehouse's last month, which has not ended, "the end" is the warehouse's
      last event (MRR now). So a monthly plan paid on the 10th counts in its month, a yearly
      plan in the 12 months from the month it was paid, and a plan not renewed has no MRR at
      the end of the month its period ran out in.
    - Refunds and one-off orders do not change MRR.

    Movements (ChartMogul's): `new` (the customer's first month with MRR), `reactivation`
    (MRR again after at least one month at 0), `churned` (MRR 0 after a month with MRR),
    `expansion` / `contraction` (MRR up / down from the month before, both with MRR),
    `unchanged`. `mrr_change` is the month's MRR minus the previous month's: summed over the
    customers of a month, the movements take the previous month's MRR to this month's.
    Amounts are decimals (the payments' `mrr_amount`), so the sums of the bridge are exact.
#}
with

payments as (

    select
        user_key,
        event_id,
        event_at,
        mrr_amount,
        months_covered

    from {{ ref('int_revenue_payments') }}

    where revenue_kind = 'subscription_payment'

),

months as (

    select distinct month_start from {{ ref('int_dates_spined') }}

),

warehouse_periods as (

    select * from {{ ref('int_warehouse_periods') }}

),

payments_sequenced as (

    select
        user_key,
        mrr_amount,
        months_covered,
        {{ to_reporting_timestamp('event_at') }} as paid_at,
        {{ to_reporting_period_start('event_at', 'month') }} as paid_month_start,
        lead({{ to_reporting_timestamp('event_at') }}) over (
            partition by user_key order by event_at, event_id
        ) as replaced_at

    from payments

),

payment_periods as (

    select
        *,
        {{ dbt.dateadd('month', 'months_covered', 'paid_at') }} as period_ends_at

    from payments_sequenced

),

months_measured as (

    {# when each month's MRR is read: the month's end, or the last event for the last month #}
    select
        months.month_start,
        case
            when months.month_start = warehouse_periods.last_month_start
                then {{ dbt.dateadd(
                    'second', 1, to_reporting_timestamp('warehouse_periods.last_event_at')
                ) }}
            else {{ dbt.dateadd('month', 1, 'months.month_start') }}
        end as measured_at,
        months.month_start = warehouse_periods.last_month_start as is_last_month

    from months

    cross join warehouse_periods

),

user_months_in_force as (

    {# the payment in force when the month is measured: paid before, not yet ended or replaced #}
    select
        payment_periods.user_key,
        months_measured.month_start,
        months_measured.is_last_month,
        sum(payment_periods.mrr_amount) as mrr

    from payment_periods

    inner join months_measured
        on payment_periods.paid_month_start <= months_measured.month_start
        and cast({{ dbt.dateadd(
            'month', 'payment_periods.months_covered', 'payment_periods.paid_month_start'
        ) }} as date) >= months_measured.month_start

    where payment_periods.paid_at < months_measured.measured_at
        and payment_periods.period_ends_at >= months_measured.measured_at
        and (
            payment_periods.replaced_at is null
            or payment_periods.replaced_at >= months_measured.measured_at
        )

    group by 1, 2, 3

),

user_months_sequenced as (

    select
        *,
        lead(month_start) over (partition by user_key order by month_start) as next_month_start

    from user_months_in_force

),

user_months_churned as (

    {# the month after a run of months with MRR, when it has begun: MRR 0 #}
    select
        user_key,
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) as month_start,
        cast(0 as {{ dbt.type_numeric() }}) as mrr

    from user_months_sequenced

    where not is_last_month
        and (
            next_month_start is null
            or next_month_start > cast({{ dbt.dateadd('month', 1, 'month_start') }} as date)
        )

),

user_months as (

    select
        user_key,
        month_start,
        mrr
    from user_months_in_force

    union all

    select
        user_key,
        month_start,
        mrr
    from user_months_churned

),

user_months_compared as (

    select
        user_key,
        month_start,
        mrr,
        case
            when lag(month_start) over (partition by user_key order by month_start)
                = cast({{ dbt.dateadd('month', -1, 'month_start') }} as date)
                then lag(mrr) over (partition by user_key order by month_start)
            else cast(0 as {{ dbt.type_numeric() }})
        end as previous_mrr,
        min(month_start) over (partition by user_key) as first_mrr_month_start

    from user_months

),

user_month_movements as (

    select
        user_key,
        month_start,
        mrr,
        previous_mrr,
        mrr - previous_mrr as mrr_change,
        case
            when mrr = 0 then 'churned'
            when previous_mrr = 0 and month_start = first_mrr_month_start then 'new'
            when previous_mrr = 0 then 'reactivation'
            when mrr = previous_mrr then 'unchanged'
            when mrr > previous_mrr then 'expansion'
            else 'contraction'
        end as mrr_movement

    from user_months_compared

)

select
    user_key,
    month_start,
    mrr,
    previous_mrr,
    mrr_change,
    mrr_movement

from user_month_movements
