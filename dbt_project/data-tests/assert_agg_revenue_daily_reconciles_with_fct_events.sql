{#
    Revenue reconciles with the events: for every day, the revenue events of fct_events (the
    events of seeds/revenue_events.csv) are the orders and refunds of agg_revenue_daily plus
    the events left out as problems (int_revenue_events_validated), and the amounts
    agg_revenue_daily adds up equal those of fct_events' valid revenue events, read again
    here from fct_events' own `properties` (a second reading of the same rule: a finite
    number, not negative on an order or payment, with a rate, a payment's interval month or
    year). Returns the days that differ (amounts
    within half a cent).
#}
with

revenue_definitions as (

    select * from {{ ref('revenue_events') }}

),

exchange_rates as (

    select * from {{ ref('exchange_rates') }}

),

revenue_events as (

    select
        events.event_date,
        revenue_definitions.revenue_kind,
        {{ dbt.safe_cast(
            json_text_at('events.properties', 'revenue_definitions.amount_property'), 'double'
        ) }} as amount,
        coalesce(
            upper(nullif(trim({{ json_text_at(
                'events.properties', 'revenue_definitions.currency_property'
            ) }}), '')),
            revenue_definitions.default_currency
        ) as currency,
        case
            when revenue_definitions.revenue_kind = 'subscription_payment'
                then coalesce(lower(nullif(trim({{ json_text_at(
                    'events.properties', 'revenue_definitions.interval_property'
                ) }}), '')), 'month')
        end as billing_interval

    from {{ ref('fct_events') }} as events

    inner join revenue_definitions
        on events.event_name = revenue_definitions.event_name

),

revenue_events_counted as (

    select
        revenue_events.event_date,
        revenue_events.revenue_kind,
        abs(revenue_events.amount) * exchange_rates.rate_to_reporting_currency
            as amount_reporting,
        revenue_events.amount between -1e15 and 1e15
        and (revenue_events.amount >= 0 or revenue_events.revenue_kind = 'refund')
        and exchange_rates.currency is not null
        and coalesce(revenue_events.billing_interval, 'month') in ('month', 'year')
            as is_counted

    from revenue_events

    left join exchange_rates
        on revenue_events.currency = exchange_rates.currency

),

events_by_day as (

    select
        event_date,
        count(*) as count_revenue_events,
        sum(
            case when is_counted and revenue_kind <> 'refund' then amount_reporting else 0 end
        ) as revenue,
        sum(
            case when is_counted and revenue_kind = 'refund' then amount_reporting else 0 end
        ) as refunds

    from revenue_events_counted

    group by 1

),

problems_by_day as (

    select
        event_date,
        count(*) as count_problems

    from {{ ref('int_revenue_events_validated') }}

    where problem is not null

    group by 1

),

revenue_daily as (

    select * from {{ ref('agg_revenue_daily') }}

)

select
    events_by_day.event_date,
    events_by_day.count_revenue_events,
    revenue_daily.count_orders,
    revenue_daily.count_refunds,
    problems_by_day.count_problems,
    events_by_day.revenue as events_revenue,
    revenue_daily.revenue,
    events_by_day.refunds as events_refunds,
    revenue_daily.refunds

from events_by_day

left join revenue_daily
    on events_by_day.event_date = revenue_daily.revenue_date

left join problems_by_day
    on events_by_day.event_date = problems_by_day.event_date

where revenue_daily.revenue_date is null
    or events_by_day.count_revenue_events
    <> revenue_daily.count_orders + revenue_daily.count_refunds
    + coalesce(problems_by_day.count_problems, 0)
    or abs(coalesce(events_by_day.revenue, 0) - revenue_daily.revenue) > 0.005
    or abs(coalesce(events_by_day.refunds, 0) - revenue_daily.refunds) > 0.005
