{#
    agg_session_paths: for each event, the shares of its kept next events sum to at most 1,
    its kept transitions do not exceed its occurrences, it keeps at most `path_top_n` rows
    besides (session_end), and its ranks are distinct. Returns the offending events.
#}
with

session_paths as (

    select * from {{ ref('agg_session_paths') }}

),

events_checked as (

    select
        event_name,
        sum(share_of_next_events) as sum_of_shares,
        sum(count_transitions) as count_transitions,
        max(count_event_occurrences) as count_event_occurrences,
        min(count_event_occurrences) as min_event_occurrences,
        sum(case when is_session_end then 0 else 1 end) as count_next_events_kept,
        count(*) as count_rows,
        count(distinct next_event_rank) as count_distinct_ranks

    from session_paths

    group by 1

)

select *

from events_checked

where sum_of_shares > 1 + 1e-9
    or count_transitions > count_event_occurrences
    or count_event_occurrences <> min_event_occurrences
    or count_next_events_kept > {{ int_var('path_top_n') }}
    or count_rows <> count_distinct_ranks
