-- depends_on: {{ ref('tracking_plan') }}
-- depends_on: {{ ref('custom_dimensions') }}
-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_touched_users') }}
{#
    The one wide copy of the event grain: int_events_sessionized holds the events' keys,
    times and sessions; the rest is read here from the copy each event was deduplicated to
    (stg_events__events, joined on load_id, file_path, line_number): ids, type, receipt time,
    and the payload (page, campaign, device, plan, event-level custom dimensions,
    properties), parsed from its JSON after that join, so only the events written are parsed
    (macro event_payload).

    Incremental (delete+insert on event_id): a run rewrites the events of the users touched
    by the copies landed since this table was last built (macros incremental_build_plan and
    touched_user_keys), read from int_events_sessionized, from each user's `rebuild_from` on
    (an event's columns depend only on the events up to it, so the earlier ones are
    unchanged); every event when the definitions changed. An event that moved to another user
    is rewritten under its new user (whose `rebuild_from` is at or before it), which replaces
    its old row. `--full-refresh` rebuilds it whole.
#}
{{ config(
    materialized=incremental_materialization(),
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

event_copies as (

    select * from {{ ref('stg_events__events') }}

),

{{ events_of_touched_users(
    'events_sessionized', 'events_sessionized_all', build_plan, 'user_key_id',
    from_column='event_at',
) }}

events_with_payload_json as (

    {# the copy each event was deduplicated to: its ids, type, receipt and JSON #}
    select
        events_sessionized.*,
        event_copies.event_type,
        event_copies.event_name_original,
        event_copies.user_id,
        event_copies.anonymous_id,
        event_copies.received_at,
        event_copies.context,
        event_copies.traits,
        event_copies.properties

    from events_sessionized

    inner join event_copies
        on {{ kept_copy_of('events_sessionized', 'event_copies') }}

),

events_parsed as (

    select
        *,
        {{ event_payload_parsed('events_with_payload_json', custom_dimension_level='event') }}

    from events_with_payload_json

),

events_enriched as (

    select
        events_parsed.event_id,
        events_parsed.user_key,
        events_parsed.user_id,
        events_parsed.anonymous_id,
        events_parsed.event_name,
        events_parsed.event_name_original,
        events_parsed.event_type,
        events_parsed.event_category,
        events_parsed.is_tracked,
        events_parsed.is_active_event,
        events_parsed.event_at,
        events_parsed.event_date,
        {{ dbt.hash(dbt.concat([
            'events_parsed.user_key', "'|'", 'events_parsed.session_first_event_id'
        ])) }} as session_id,
        events_parsed.session_number,
        events_parsed.event_number_in_session,
        events_parsed.seconds_since_previous_event,
        {{ event_payload(custom_dimension_level='event') }},
        events_parsed.properties,
        events_parsed.received_at,
        events_parsed.load_id

    from events_parsed

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
    {{ event_payload_columns(custom_dimension_level='event') }},
    properties,
    received_at,
    load_id

from events_enriched
