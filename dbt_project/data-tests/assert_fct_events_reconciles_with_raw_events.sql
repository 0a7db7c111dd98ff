{#
    Exact: rows in fct_events = rows loaded into raw.events − duplicates − rows removed by
    documented rules. Events whose `context.consent.analytics` is false are loaded (every line
    is accounted for) but kept out of every modelled layer; duplicates are counted among the
    consented copies, since dedup runs after the consent filter. `forget` deletes from
    raw.events itself, so it needs no term here. A new rule that drops rows between raw.events
    and fct_events must add its count to `count_removed_by_rules`.
#}
with

loaded as (

    select
        count(*) as count_loaded,
        count(*) filter (where not has_analytics_consent) as count_removed_by_rules,
        count(*) filter (where has_analytics_consent)
        - count(distinct case when has_analytics_consent then event_id end) as count_duplicates

    from {{ source('raw', 'events') }}

),

kept as (

    select count(*) as count_fct_events

    from {{ ref('fct_events') }}

)

select
    kept.count_fct_events,
    loaded.count_loaded,
    loaded.count_duplicates,
    loaded.count_removed_by_rules

from loaded
cross join kept

where kept.count_fct_events
    <> loaded.count_loaded - loaded.count_duplicates - loaded.count_removed_by_rules
