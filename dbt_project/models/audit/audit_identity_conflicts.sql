{#
    Anonymous ids tied to more than one user_id. Identity stitching keeps the first tie
    (int_identities_stitched); this lists the others for review.
#}
with

events as (

    select * from {{ ref('int_events_deduplicated') }}

),

identities_stitched as (

    select * from {{ ref('int_identities_stitched') }}

),

identity_ties_summarized as (

    select
        anonymous_id,
        anonymous_id_key,
        count(distinct user_id_key) as count_user_ids,
        min(event_at) as first_tied_at,
        max(event_at) as last_tied_at

    from events

    where anonymous_id_key is not null
        and user_id_key is not null

    group by 1, 2

),

identity_conflicts as (

    select
        identity_ties_summarized.anonymous_id,
        identities_stitched.user_id as kept_user_id,
        identity_ties_summarized.count_user_ids,
        identity_ties_summarized.first_tied_at,
        identity_ties_summarized.last_tied_at

    from identity_ties_summarized

    inner join identities_stitched
        on identity_ties_summarized.anonymous_id_key = identities_stitched.anonymous_id_key

    where identity_ties_summarized.count_user_ids > 1

)

select * from identity_conflicts
