{#
    Converts a UTC timestamp column to a local timestamp / calendar date in the var
    `reporting_timezone`. Timestamps are stored as UTC `timestamp` (without time zone).
    Dispatched so that other engines can supply their own form (e.g. Spark's
    `from_utc_timestamp`).
#}
{% macro to_reporting_timestamp(column) -%}
    {{ return(adapter.dispatch('to_reporting_timestamp', 'usage_analytics')(column)) }}
{%- endmacro %}

{% macro default__to_reporting_timestamp(column) -%}
    (({{ column }}) at time zone 'UTC') at time zone {{ literal_var('reporting_timezone') }}
{%- endmacro %}

{% macro spark__to_reporting_timestamp(column) -%}
    from_utc_timestamp({{ column }}, {{ literal_var('reporting_timezone') }})
{%- endmacro %}

{% macro to_reporting_date(column) -%}
    cast({{ to_reporting_timestamp(column) }} as date)
{%- endmacro %}

{#
    The first day (a date) of the `period` ('day', 'week' starting Monday, 'month') that a UTC
    timestamp falls in, in `reporting_timezone`.
#}
{% macro to_reporting_period_start(column, period) -%}
    cast({{ dbt.date_trunc(period, to_reporting_timestamp(column)) }} as date)
{%- endmacro %}
