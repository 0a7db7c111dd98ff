{#
    One row per event that seeds/revenue_events.csv names (whatever its amount), of the
    stitched user it belongs to: its amount, currency and billing interval read from the
    properties of the copy it was deduplicated to (the paths the seed row gives), the amount
    in the reporting currency (var `reporting_currency`) at the rate of
    seeds/exchange_rates.csv (a decimal to 6 places: sums are exact), and `problem`, why it counts in no total, or null:
    - `missing_amount`: no amount at the path (or JSON null);
    - `invalid_amount`: not a finite number;
    - `negative_amount`: below 0 on an order or a subscription payment (a refund's sign is
      ignored: some billing systems send refunds negative);
    - `unknown_currency`: no currency (property empty or missing and no default) or one
      without a rate;
    - `invalid_interval`: a subscription payment's interval other than `month` or `year`
      (missing: `month`).
    Nothing is taken as 0: a problem row is counted in audit.revenue_problems instead.
#}
with

revenue_definitions as (

    select * from {{ ref('revenue_events') }}

),

exchange_rates as (

    select * from {{ ref('exchange_rates') }}

),

revenue_event_names as (

    select event_name from revenue_definitions

),

events as (

    select
        events.event_id,
        events.user_key,
        events.event_name,
        events.event_at,
        events.event_date,
        events.load_id,
        events.file_path,
        events.line_number

    from {{ ref('int_events_sessionized') }} as events

    inner join revenue_event_names
        on events.event_name = revenue_event_names.event_name

),

event_copies as (

    select
        event_copies.load_id,
        event_copies.file_path,
        event_copies.line_number,
        event_copies.properties

    from {{ ref('stg_events__events') }} as event_copies

    inner join revenue_event_names
        on event_copies.event_name = revenue_event_names.event_name

),

revenue_event_texts as (

    select
        events.event_id,
        events.user_key,
        events.event_name,
        events.event_at,
        events.event_date,
        revenue_definitions.revenue_kind,
        revenue_definitions.default_currency,
        {{ json_text_at('event_copies.properties', 'revenue_definitions.amount_property') }}
            as amount_text,
        case
            when revenue_definitions.currency_property is not null
                then {{ json_text_at(
                    'event_copies.properties', 'revenue_definitions.currency_property'
                ) }}
        end as currency_text,
        case
            when revenue_definitions.interval_property is not null
                then {{ json_text_at(
                    'event_copies.properties', 'revenue_definitions.interval_property'
                ) }}
        end as interval_text

    from events

    inner join revenue_definitions
        on events.event_name = revenue_definitions.event_name

    inner join event_copies
        on {{ kept_copy_of('events', 'event_copies') }}

),

revenue_events_parsed as (

    select
        event_id,
        user_key,
        event_name,
        event_at,
        event_date,
        revenue_kind,
        amount_text,
        {{ dbt.safe_cast('trim(amount_text)', 'double') }} as amount,
        coalesce(upper(nullif(trim(currency_text), '')), default_currency) as currency,
        case
            when revenue_kind = 'subscription_payment'
                then coalesce(lower(nullif(trim(interval_text), '')), 'month')
        end as billing_interval

    from revenue_event_texts

),

revenue_events_converted as (

    select
        revenue_events_parsed.*,
        exchange_rates.rate_to_reporting_currency

    from revenue_events_parsed

    left join exchange_rates
        on revenue_events_parsed.currency = exchange_rates.currency

),

revenue_events_validated as (

    select
        event_id,
        user_key,
        event_name,
        event_at,
        event_date,
        revenue_kind,
        {# a refund is money given back whatever sign it is sent with #}
        case when revenue_kind = 'refund' then abs(amount) else amount end as amount,
        currency,
        billing_interval,
        case
            when amount_text is null then 'missing_amount'
            {# NaN and infinities are above every number, on DuckDB and Spark alike #}
            when amount is null or not (amount between -1e15 and 1e15) then 'invalid_amount'
            when amount < 0 and revenue_kind <> 'refund' then 'negative_amount'
            when rate_to_reporting_currency is null then 'unknown_currency'
            when billing_interval not in ('month', 'year') then 'invalid_interval'
        end as problem,
        rate_to_reporting_currency

    from revenue_events_converted

)

select
    event_id,
    user_key,
    event_name,
    event_at,
    event_date,
    revenue_kind,
    case when problem is null then amount end as amount,
    currency,
    billing_interval,
    {# money as a decimal: sums are exact, whatever order an engine adds rows in #}
    case
        when problem is null
            then cast(amount * rate_to_reporting_currency as {{ dbt.type_numeric() }})
    end as amount_reporting,
    problem

from revenue_events_validated
