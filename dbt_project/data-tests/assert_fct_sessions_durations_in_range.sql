{#
    A session ends at or after it starts, and lasts between 0 and `max_session_hours`
    (a session is cut at the next event once it has lasted longer).
#}
with

sessions as (

    select
        session_id,
        started_at,
        ended_at,
        duration_seconds

    from {{ ref('fct_sessions') }}

)

select *

from sessions

where ended_at < started_at
    or duration_seconds < 0
    or duration_seconds > {{ int_var('max_session_hours') }} * 3600
