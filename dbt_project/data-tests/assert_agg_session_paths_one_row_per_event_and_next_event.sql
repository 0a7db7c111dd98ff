{#
    agg_session_paths: (event_name, next_event_name) is unique. Returns duplicated pairs.
#}
select
    event_name,
    next_event_name,
    count(*) as count_rows

from {{ ref('agg_session_paths') }}

group by 1, 2

having count(*) > 1
