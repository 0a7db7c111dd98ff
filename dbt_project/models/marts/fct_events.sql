-- depends_on: {{ ref('tracking_plan') }}
-- depends_on: {{ ref('custom_dimensions') }}
-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_touched_users') }}
{#
    Incremental (delete+insert on event_id): a run rewrites the events of the users touched
    by the copies landed since this table was last built (macros incremental_build_plan and
    touched_user_keys), read from int_events_sessionized, from each user's `rebuild_from` on
    (an event's columns depend only on the events up to it, so the earlier ones are
    unchanged); every event when the definitions changed. An event that moved to another user
    is rewritten under its new user (whose `rebuild_from` is at or before it), which replaces
    its old row. `--full-refresh` rebuilds it whole.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='event_id',
    on_schema_change='append_new_columns',
    post_hook=["{{ record_incremental_state() }}"],
) }}
{%- set build_plan = incremental_build_plan() -%}

with

events_sessionized_all as (

    select * from {{ ref('int_events_sessionized') }}

),

{{ events_of_touched_users(
    'events_sessionized', 'events_sessionized_all', build_plan, 'user_key_id',
    from_column='event_at',
) }}

events_enriched as (

    select
        events_sessionized.event_id,
        events_sessionized.user_key,
        events_sessionized.user_id,
        events_sessionized.anonymous_id,
        events_sessionized.event_name,
        events_sessionized.event_name_original,
        events_sessionized.event_type,
        events_sessionized.event_category,
        events_sessionized.is_tracked,
        events_sessionized.is_active_event,
        events_sessionized.event_at,
        events_sessionized.event_date,
        {{ dbt.hash(dbt.concat([
            'events_sessionized.user_key', "'|'", 'events_sessionized.session_first_event_id'
        ])) }} as session_id,
        events_sessionized.session_number,
        events_sessionized.event_number_in_session,
        events_sessionized.seconds_since_previous_event,
        {{ event_columns(
            'payload', alias='events_sessionized', custom_dimension_level='event'
        ) }},
        events_sessionized.received_at,
        events_sessionized.load_id

    from events_sessionized

)

select
    event_id,
    user_key,
    user_id,
    anonymous_id,
    event_name,
    event_name_original,
    event_type,
    event_category,
    is_tracked,
    is_active_event,
    event_at,
    event_date,
    session_id,
    session_number,
    event_number_in_session,
    seconds_since_previous_event,
    {{ event_columns('payload', custom_dimension_level='event') }},
    received_at,
    load_id

from events_enriched
