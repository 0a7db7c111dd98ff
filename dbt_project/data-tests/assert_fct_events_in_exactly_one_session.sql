{#
    Every fct_events row belongs to exactly one fct_sessions row, and each session's
    count_events equals the number of its events. Returns the offending sessions.
#}
with

events_per_session as (

    select
        session_id,
        count(*) as count_events
    from {{ ref('fct_events') }}
    group by 1

),

sessions as (

    select
        session_id,
        count_events
    from {{ ref('fct_sessions') }}

)

select
    coalesce(events_per_session.session_id, sessions.session_id) as session_id,
    events_per_session.count_events as count_events_in_fct_events,
    sessions.count_events as count_events_in_fct_sessions

from events_per_session

full outer join sessions
    on events_per_session.session_id = sessions.session_id

where events_per_session.session_id is null
    or sessions.session_id is null
    or events_per_session.count_events <> sessions.count_events
