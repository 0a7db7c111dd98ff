-- depends_on: {{ ref('tracking_plan') }}
-- depends_on: {{ ref('custom_dimensions') }}
-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_touched_users') }}
{#
    Incremental (strategy touched_users, macros/touched_users_strategy.sql), with the session
    as the unit of work: a run takes the users touched by the copies landed since this table
    was last built (int_touched_users) and recomputes, from fct_events, each user's sessions
    from the one holding its last event before its `rebuild_from` on (its latest session that
    started before it, read from this table; the earlier sessions hold only unchanged events
    and are final). The strategy (`rebuild_range_column: session_number`) replaces the user's
    rows from that session number on, so a session that no longer exists (two sessions
    bridged into one by a late event, every session of an anonymous id now stitched to a
    user) is gone. Every user when the definitions changed. `--full-refresh` rebuilds the
    table whole.
#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='touched_users',
    unique_key='user_key',
    rebuild_range_column='session_number',
    on_schema_change='append_new_columns',
    post_hook=["{{ record_incremental_state() }}"],
) }}
{%- set build_plan = incremental_build_plan() -%}

with

events_all as (

    select * from {{ ref('fct_events') }}

),

{% if build_plan.mode == 'touched' -%}
touched_users as (

    select * from {{ ref('int_touched_users') }}

),

resumed_sessions as (

    {#
        the session holding each touched user's last event before its rebuild_from: its
        latest session started before it, read from this table (the sessions before
        rebuild_from are unchanged, so the numbers are the same as in fct_events)
    #}
    select
        sessions_built.user_key,
        max(sessions_built.session_number) as session_number

    from {{ this }} as sessions_built

    inner join touched_users
        on sessions_built.user_key = touched_users.user_key

    where sessions_built.started_at < touched_users.rebuild_from

    group by 1

),

events as (

    select events_all.*

    from events_all

    inner join touched_users
        on events_all.user_key = touched_users.user_key

    left join resumed_sessions
        on events_all.user_key = resumed_sessions.user_key

    where resumed_sessions.session_number is null
        or events_all.session_number >= resumed_sessions.session_number

),
{%- else -%}
events as (

    select * from events_all

),
{%- endif %}

session_pages_ranked as (

    select
        session_id,
        page_path,
        row_number() over (
            partition by session_id order by event_number_in_session
        ) as page_rank_from_start,
        row_number() over (
            partition by session_id order by event_number_in_session desc
        ) as page_rank_from_end

    from events

    where page_path is not null

),

session_pages as (

    select
        session_id,
        max(case when page_rank_from_start = 1 then page_path end) as landing_page_path,
        max(case when page_rank_from_end = 1 then page_path end) as exit_page_path

    from session_pages_ranked

    group by 1

),

session_first_events as (

    select
        session_id,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type

    from events

    where event_number_in_session = 1

),

sessions_summarized as (

    select
        session_id,
        user_key,
        session_number,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as count_events,
        cast(sum(case when event_name = 'page_view' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as count_page_views,
        cast(sum(case when is_active_event then 1 else 0 end) as {{ dbt.type_bigint() }})
            as count_active_events

    from events

    group by 1, 2, 3

),

sessions as (

    select
        sessions_summarized.session_id,
        sessions_summarized.user_key,
        sessions_summarized.session_number,
        sessions_summarized.started_at,
        sessions_summarized.ended_at,
        {{ to_reporting_date('sessions_summarized.started_at') }} as session_date,
        {{ seconds_between('sessions_summarized.started_at', 'sessions_summarized.ended_at') }}
            as duration_seconds,
        sessions_summarized.count_events,
        sessions_summarized.count_page_views,
        sessions_summarized.count_active_events,
        session_pages.landing_page_path,
        session_pages.exit_page_path,
        sessions_summarized.count_events = 1 as is_bounce,
        session_first_events.utm_source,
        session_first_events.utm_medium,
        session_first_events.utm_campaign,
        session_first_events.device_type

    from sessions_summarized

    left join session_pages
        on sessions_summarized.session_id = session_pages.session_id

    left join session_first_events
        on sessions_summarized.session_id = session_first_events.session_id

)

select
    session_id,
    user_key,
    session_number,
    started_at,
    ended_at,
    session_date,
    duration_seconds,
    count_events,
    count_page_views,
    count_active_events,
    landing_page_path,
    exit_page_path,
    is_bounce,
    utm_source,
    utm_medium,
    utm_campaign,
    device_type

from sessions
