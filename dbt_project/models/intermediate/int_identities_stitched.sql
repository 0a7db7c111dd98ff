{#
    An anonymous id is tied to a user id by any event that carries both. The first tie (by
    event time, then event_id) wins; anonymous ids tied to several users are listed in
    `audit.audit_identity_conflicts`.
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

identity_ties_ranked as (

    select
        *,
        row_number() over (
            partition by anonymous_id_key
            order by event_at, event_id
        ) as tie_rank

    from identity_ties

),

identities_stitched as (

    select
        anonymous_id_key,
        anonymous_id,
        user_id_key,
        user_id,
        event_at as tied_at,
        event_id as tied_by_event_id

    from identity_ties_ranked

    where tie_rank = 1

)

select * from identities_stitched
