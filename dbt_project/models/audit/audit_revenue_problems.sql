{#
    One row per revenue event name × problem × detail: the revenue events left out of every
    total (int_revenue_events_validated), how many, and when the first and last happened, for
    the run summary (a warning) and whoever owns the billing events. `detail` is the currency
    (`unknown_currency`) or the interval (`invalid_interval`) as sent; null for amounts.
#}
with

revenue_events as (

    select * from {{ ref('int_revenue_events_validated') }}

    where problem is not null

)

select
    event_name,
    problem,
    case
        when problem = 'unknown_currency' then currency
        when problem = 'invalid_interval' then billing_interval
    end as detail,
    count(*) as count_events,
    min(event_at) as first_event_at,
    max(event_at) as last_event_at

from revenue_events

group by 1, 2, 3
