-- depends_on: {{ ref('tracking_plan') }}
-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_touched_users') }}
{#
    Sessionization (CONTRACT §6). Per user_key, ordered by event_at then event_id, a session
    starts at the first event, after a gap strictly longer than `session_timeout_minutes`, or at
    the first event once the session has lasted strictly longer than `max_session_hours`.

    1. Gap sessions: runs of events whose consecutive gaps are within the timeout.
    2. A gap session longer than the max length is cut greedily: the next session starts at the
       first event strictly after (session start + max length). That depends on where the
       previous cut fell, so the cuts are followed with a recursive CTE, but only over the rare
       long gap sessions, and each step is an equality join (no aggregate in the recursion).
       The first event after (start + max) lies within one timeout of it, which bounds the
       band join that finds it.

    Cost: the events are sorted per user twice, both times narrow (no payload: fct_events
    reads it from the event's copy). The first sort ranks the events (`event_rank`) and finds
    the previous one; the second, by that integer rank, numbers the gap sessions and carries
    each one's start (rank, first event_id, time) with running aggregates, so no per-session
    sort follows. Only the users with a cut session are numbered once more, over their events.

    Incremental (delete+insert on event_id), with the session as the unit of work. A run
    takes the users touched by the copies landed since the model's watermark (macro
    touched_user_keys: new events, re-sent copies, and users whose stitched identity changed,
    both the old and the new owner) and, for each, `rebuild_from`: no event of the user
    before it changed. Session starts depend only on the events before them, so the user's
    sessions that end before its last unchanged event are final. The run resumes at the
    session holding the user's last event before `rebuild_from` (read from this table): it
    re-sessionizes the user's events from that session's first event on, numbering on from
    the sessions before it, and the event just before it gives the first event's
    `seconds_since_previous_event`. A late event, however old, therefore bridges, extends or
    starts sessions exactly as a full rebuild would, and renumbers the later ones. A user with
    no unchanged event before `rebuild_from`, or whose identity changed (null), is rebuilt
    from its first event. Every event the run rewrites has its event_id replaced, including
    events that moved to another user, so nothing stale is left under the old key.
#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='event_id',
    on_schema_change='sync_all_columns',
    post_hook=["{{ record_incremental_state() }}"],
) }}
{%- set build_plan = incremental_build_plan() -%}
{%- set timeout_seconds = int_var('session_timeout_minutes') * 60 -%}
{%- set max_seconds = int_var('max_session_hours') * 3600 -%}

with recursive

events_identified as (

    select * from {{ ref('int_events_identified') }}

),

{% if build_plan.mode == 'touched' -%}
touched_users as (

    select * from {{ ref('int_touched_users') }}

),

events_unchanged as (

    {# the touched users' sessionized events before their rebuild_from, as built before #}
    select
        events_built.user_key_id,
        events_built.session_number,
        events_built.event_at

    from {{ this }} as events_built

    inner join touched_users
        on events_built.user_key_id = touched_users.user_key_id

    where events_built.event_at < touched_users.rebuild_from

),

resumed_sessions as (

    {# the session holding each touched user's last unchanged event #}
    select
        user_key_id,
        max(session_number) as session_number

    from events_unchanged

    group by 1

),

resume_points as (

    select
        resumed_sessions.user_key_id,
        resumed_sessions.session_number - 1 as count_sessions_before,
        min(case
            when events_unchanged.session_number = resumed_sessions.session_number
                then events_unchanged.event_at
        end) as resumed_at,
        max(case
            when events_unchanged.session_number < resumed_sessions.session_number
                then events_unchanged.event_at
        end) as event_before_resume_at

    from resumed_sessions

    inner join events_unchanged
        on resumed_sessions.user_key_id = events_unchanged.user_key_id

    group by 1, 2

),

events as (

    select
        events_identified.*,
        coalesce(resume_points.count_sessions_before, 0) as count_sessions_before,
        resume_points.event_before_resume_at

    from events_identified

    inner join touched_users
        on events_identified.user_key_id = touched_users.user_key_id

    left join resume_points
        on events_identified.user_key_id = resume_points.user_key_id

    where resume_points.resumed_at is null
        or events_identified.event_at >= resume_points.resumed_at

),
{%- else -%}
events as (

    select
        *,
        0 as count_sessions_before,
        cast(null as {{ dbt.type_timestamp() }}) as event_before_resume_at

    from events_identified

),
{%- endif %}

events_ranked as (

    {# the one order of a user's events: event_at, then event_id #}
    select
        *,
        {# bigint on every engine (Spark's row_number is an int) #}
        cast(row_number() over (
            partition by user_key_id
            order by event_at, event_id
        ) as {{ dbt.type_bigint() }}) as event_rank,
        lag(event_at) over (
            partition by user_key_id
            order by event_at, event_id
        ) as previous_event_in_batch_at

    from events

),

gap_starts_marked as (

    select
        *,
        coalesce(previous_event_in_batch_at, event_before_resume_at) as previous_event_at,
        case
            {# a user's first rebuilt event starts a session: its first or the resumed one #}
            when previous_event_in_batch_at is null then 1
            when event_at
                > {{ dbt.dateadd('second', timeout_seconds, 'previous_event_in_batch_at') }}
                then 1
            else 0
        end as is_gap_session_start

    from events_ranked

),

gap_sessions_numbered as (

    {#
        running over the user's events in rank order: the latest gap session start so far is
        the start of the event's gap session (ranks and times only grow)
    #}
    select
        *,
        cast(sum(is_gap_session_start) over events_so_far as {{ dbt.type_bigint() }})
            as gap_session_number,
        max(case when is_gap_session_start = 1 then event_rank end) over events_so_far
            as gap_session_start_rank,
        {{ last_value_ignoring_nulls(
            'case when is_gap_session_start = 1 then event_id end'
        ) }} over events_so_far as gap_session_first_event_id,
        max(case when is_gap_session_start = 1 then event_at end) over events_so_far
            as gap_session_started_at

    from gap_starts_marked

    window events_so_far as (
        partition by user_key_id
        order by event_rank
        rows between unbounded preceding and current row
    )

),

long_gap_sessions as (

    select distinct
        user_key_id,
        gap_session_number,
        gap_session_started_at as first_event_at

    from gap_sessions_numbered

    where event_at > {{ dbt.dateadd('second', max_seconds, 'gap_session_started_at') }}

),

long_gap_session_instants as (

    select distinct
        gap_sessions_numbered.user_key_id,
        gap_sessions_numbered.gap_session_number,
        gap_sessions_numbered.event_at

    from gap_sessions_numbered

    inner join long_gap_sessions
        on gap_sessions_numbered.user_key_id = long_gap_sessions.user_key_id
        and gap_sessions_numbered.gap_session_number = long_gap_sessions.gap_session_number

),

next_cut_after_instant as (

    {# for each instant t of a long gap session: the first instant strictly after t + max #}
    select
        instants.user_key_id,
        instants.gap_session_number,
        instants.event_at,
        min(later_instants.event_at) as next_cut_at

    from long_gap_session_instants as instants

    inner join long_gap_session_instants as later_instants
        on instants.user_key_id = later_instants.user_key_id
        and instants.gap_session_number = later_instants.gap_session_number
        and later_instants.event_at > (
            {{ dbt.dateadd('second', max_seconds, 'instants.event_at') }}
        )
        and later_instants.event_at <= (
            {{ dbt.dateadd('second', max_seconds + timeout_seconds, 'instants.event_at') }}
        )

    group by 1, 2, 3

),

session_cuts (user_key_id, gap_session_number, cut_at) as (

    select
        user_key_id,
        gap_session_number,
        first_event_at

    from long_gap_sessions

    union all

    select
        next_cut_after_instant.user_key_id,
        next_cut_after_instant.gap_session_number,
        next_cut_after_instant.next_cut_at

    from session_cuts

    inner join next_cut_after_instant
        on session_cuts.user_key_id = next_cut_after_instant.user_key_id
        and session_cuts.gap_session_number = next_cut_after_instant.gap_session_number
        and session_cuts.cut_at = next_cut_after_instant.event_at

),

session_cut_first_events as (

    {# at a cut instant, the event with the smallest event_id starts the new session #}
    select
        gap_sessions_numbered.user_key_id,
        session_cuts.cut_at,
        min(gap_sessions_numbered.event_id) as event_id

    from gap_sessions_numbered

    inner join session_cuts
        on gap_sessions_numbered.user_key_id = session_cuts.user_key_id
        and gap_sessions_numbered.gap_session_number = session_cuts.gap_session_number
        and gap_sessions_numbered.event_at = session_cuts.cut_at

    group by 1, 2

),

users_with_cuts as (

    select distinct user_key_id

    from long_gap_sessions

),

uncut_events_numbered as (

    {# a user without a cut session: its sessions are its gap sessions #}
    select
        gap_sessions_numbered.*,
        gap_sessions_numbered.count_sessions_before
        + gap_sessions_numbered.gap_session_number as session_number,
        gap_sessions_numbered.gap_session_start_rank as session_start_rank,
        gap_sessions_numbered.gap_session_first_event_id as session_first_event_id

    from gap_sessions_numbered

    left join users_with_cuts
        on gap_sessions_numbered.user_key_id = users_with_cuts.user_key_id

    where users_with_cuts.user_key_id is null

),

cut_events_marked as (

    select
        gap_sessions_numbered.*,
        case
            when gap_sessions_numbered.is_gap_session_start = 1 then 1
            when session_cut_first_events.event_id is not null then 1
            else 0
        end as is_session_start

    from gap_sessions_numbered

    inner join users_with_cuts
        on gap_sessions_numbered.user_key_id = users_with_cuts.user_key_id

    left join session_cut_first_events
        on gap_sessions_numbered.user_key_id = session_cut_first_events.user_key_id
        and gap_sessions_numbered.event_id = session_cut_first_events.event_id

),

cut_events_numbered as (

    {# a user with a cut session: its sessions start at the gap starts and at the cuts #}
    select
        *,
        count_sessions_before
        + cast(sum(is_session_start) over events_so_far as {{ dbt.type_bigint() }})
            as session_number,
        max(case when is_session_start = 1 then event_rank end) over events_so_far
            as session_start_rank,
        {{ last_value_ignoring_nulls(
            'case when is_session_start = 1 then event_id end'
        ) }} over events_so_far as session_first_event_id

    from cut_events_marked

    window events_so_far as (
        partition by user_key_id
        order by event_rank
        rows between unbounded preceding and current row
    )

),

{%- set sessionized_columns -%}
        event_id,
        event_name,
        event_category,
        is_tracked,
        is_active_event,
        user_key_id,
        user_key,
        event_at,
        {{ to_reporting_date('event_at') }} as event_date,
        loaded_at,
        load_id,
        file_path,
        line_number,
        session_number,
        event_rank - session_start_rank + 1 as event_number_in_session,
        session_first_event_id,
        {{ seconds_between('previous_event_at', 'event_at') }} as seconds_since_previous_event
{%- endset %}

events_sessionized as (

    select
        {{ sessionized_columns }}

    from uncut_events_numbered

    union all

    select
        {{ sessionized_columns }}

    from cut_events_numbered

)

select * from events_sessionized
