{#
    seeds/exchange_rates.csv converts into the reporting currency (var `reporting_currency`):
    it lists that currency with rate 1 (an error: a var changed without the rates would
    report amounts in the wrong currency). Returns a row when it does not.
#}
{{ config(meta={'dagster': {'ref': {'name': 'exchange_rates'}}}) }}

with

reporting_currency_rates as (

    select count(*) as count_rows

    from {{ ref('exchange_rates') }}

    where currency = {{ literal_var('reporting_currency') }}
        and rate_to_reporting_currency = 1

)

select {{ literal_var('reporting_currency') }} as reporting_currency

from reporting_currency_rates

where count_rows = 0
