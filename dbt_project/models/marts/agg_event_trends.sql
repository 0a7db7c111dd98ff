-- depends_on: {{ ref('int_touched_days') }}
{#
    How often each event happened, per reporting day (in `reporting_timezone`): the trend
    chart of product analytics tools (PostHog's Trends, Amplitude's Event Segmentation),
    counted once here instead of by every dashboard tile over fct_events. Every event counts,
    active or not; `count_users` is distinct users of the day.

    Incremental (strategy touched_days): a day's rows depend only on that day's events, so a
    run recomputes, from int_user_event_days (already rebuilt for the touched users), the days
    int_touched_days lists and replaces their rows. Every day when an upstream model, seed or
    calendar var changed; `--full-refresh` rebuilds it whole.
#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='touched_days',
    unique_key='event_date',
    on_schema_change='append_new_columns',
    post_hook=["{{ record_incremental_state() }}"],
) }}
{%- set build_plan = incremental_build_plan() %}

with

user_event_days_all as (

    select * from {{ ref('int_user_event_days') }}

),

{{ rows_of_touched_days('user_event_days', 'user_event_days_all', build_plan, 'event_date') }}

event_trends as (

    select
        event_date,
        event_name,
        sum(count_events) as count_events,
        count(distinct user_key) as count_users

    from user_event_days

    group by 1, 2

)

select
    {{ dbt.hash(dbt.concat([
        dbt.safe_cast('event_date', dbt.type_string()), "'|'", 'event_name'
    ])) }} as event_trend_key,
    event_date,
    event_name,
    cast(count_events as {{ dbt.type_bigint() }}) as count_events,
    cast(count_users as {{ dbt.type_bigint() }}) as count_users

from event_trends
