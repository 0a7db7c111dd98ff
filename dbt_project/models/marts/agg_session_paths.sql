{#
    Next-event paths within sessions: for each event name, the events that follow it
    directly in the same session (event_number_in_session order), and `(session_end)` when
    it is the session's last event, so drop-off reads from the same table. Every event
    counts, active or not, and repeats (page_view -> page_view) are kept.

    Kept per event: the var `path_top_n` most frequent next events (ties: next event name),
    plus the `(session_end)` row whatever its rank. Shares are over all the event's
    occurrences in sessions, so the kept rows of an event sum to at most 1.
#}
with

events as (

    select * from {{ ref('fct_events') }}

),

events_with_next as (

    select
        session_id,
        event_name,
        coalesce(
            lead(event_name) over (
                partition by session_id order by event_number_in_session
            ),
            '(session_end)'
        ) as next_event_name

    from events

),

transitions_counted as (

    select
        event_name,
        next_event_name,
        count(*) as count_transitions,
        count(distinct session_id) as count_sessions

    from events_with_next

    group by 1, 2

),

transitions_ranked as (

    select
        event_name,
        next_event_name,
        count_transitions,
        count_sessions,
        sum(count_transitions) over (partition by event_name) as count_event_occurrences,
        row_number() over (
            partition by event_name
            order by count_transitions desc, next_event_name asc
        ) as next_event_rank

    from transitions_counted

),

session_paths as (

    select
        {{ dbt.concat(['event_name', "' > '", 'next_event_name']) }} as path_key,
        event_name,
        next_event_name,
        next_event_name = '(session_end)' as is_session_end,
        next_event_rank,
        count_transitions,
        count_sessions,
        count_event_occurrences

    from transitions_ranked

    where next_event_rank <= {{ int_var('path_top_n') }}
        or next_event_name = '(session_end)'

)

select
    path_key,
    event_name,
    next_event_name,
    is_session_end,
    cast(next_event_rank as {{ dbt.type_bigint() }}) as next_event_rank,
    cast(count_transitions as {{ dbt.type_bigint() }}) as count_transitions,
    cast(count_sessions as {{ dbt.type_bigint() }}) as count_sessions,
    cast(count_event_occurrences as {{ dbt.type_bigint() }}) as count_event_occurrences,
    cast(count_transitions as double) / count_event_occurrences as share_of_next_events

from session_paths
