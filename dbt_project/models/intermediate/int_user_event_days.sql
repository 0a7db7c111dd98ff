-- depends_on: {{ ref('tracking_plan') }}
-- depends_on: {{ ref('custom_dimensions') }}
-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_touched_users') }}
{#
    One row per user × event name × active flag × reporting day (in `reporting_timezone`)
    with at least one such event, how many, and the week (starting Monday) and month that day
    falls in: the activity the retention, lifecycle, active-user and event-trend models count,
    at a fraction of the events' rows.

    Incremental (strategy touched_users, `rebuild_from_date_column: event_date`): a row
    depends only on the user's events of that day, and every event before a touched user's
    `rebuild_from` is unchanged (macro touched_user_keys), so a run recomputes the touched
    users' days from the reporting day of `rebuild_from` on and replaces those rows (all of a
    user whose `rebuild_from` is null). Every user when an upstream model or seed changed.
    `--full-refresh` rebuilds it whole.
#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='touched_users',
    unique_key='user_key',
    rebuild_from_date_column='event_date',
    on_schema_change='append_new_columns',
    post_hook=["{{ record_incremental_state() }}"],
) }}
{%- set build_plan = incremental_build_plan() -%}

with

events_all as (

    select * from {{ ref('int_events_sessionized') }}

),

{{ events_of_touched_users(
    'events', 'events_all', build_plan, 'user_key', from_date_column='event_date',
) }}

user_event_days as (

    select
        user_key,
        event_name,
        is_active_event,
        event_date,
        {{ to_reporting_period_start('event_at', 'week') }} as week_start,
        {{ to_reporting_period_start('event_at', 'month') }} as month_start,
        count(*) as count_events

    from events

    group by 1, 2, 3, 4, 5, 6

)

select
    user_key,
    event_name,
    is_active_event,
    event_date,
    week_start,
    month_start,
    count_events

from user_event_days
