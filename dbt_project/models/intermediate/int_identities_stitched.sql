{#
    An anonymous id is tied to a user id by any event that carries both. The first tie (by
    event time, then event_id) wins; anonymous ids tied to several users are listed in
    `audit.audit_identity_conflicts`.

    The first tie is found with two grouped minimums (earliest time, then the smallest
    event_id at that time) rather than a window ranking every tie: millions of ties, one winner
    per anonymous id, and hash aggregates do not sort.
#}
with

events as (

    select * from {{ ref('int_events_deduplicated') }}

),

identity_ties as (

    select
        anonymous_id_key,
        anonymous_id,
        user_id_key,
        user_id,
        event_at,
        event_id

    from events

    where anonymous_id_key is not null
        and user_id_key is not null

),

first_tie_times as (

    select
        anonymous_id_key,
        min(event_at) as tied_at

    from identity_ties

    group by 1

),

first_tie_events as (

    {# event_id is unique (deduplicated), so it names the winning tie #}
    select
        identity_ties.anonymous_id_key,
        min(identity_ties.event_id) as tied_by_event_id

    from identity_ties

    inner join first_tie_times
        on identity_ties.anonymous_id_key = first_tie_times.anonymous_id_key
        and identity_ties.event_at = first_tie_times.tied_at

    group by 1

),

identities_stitched as (

    select
        identity_ties.anonymous_id_key,
        identity_ties.anonymous_id,
        identity_ties.user_id_key,
        identity_ties.user_id,
        identity_ties.event_at as tied_at,
        identity_ties.event_id as tied_by_event_id

    from identity_ties

    inner join first_tie_events
        on identity_ties.anonymous_id_key = first_tie_events.anonymous_id_key
        and identity_ties.event_id = first_tie_events.tied_by_event_id

)

select * from identities_stitched
