{#
    Gives every event its stitched user: its own user_id when it has one, else the user_id its
    anonymous_id is tied to (before and after the tie), else the anonymous_id itself.
    `user_key_id` is the compact integer form used for partitioning and joins.
#}
with

events as (

    select * from {{ ref('int_events_deduplicated') }}

),

identities_stitched as (

    select * from {{ ref('int_identities_stitched') }}

),

tracking_plan as (

    select * from {{ ref('tracking_plan') }}

),

events_identified as (

    select
        events.event_id,
        events.event_type,
        events.event_name,
        events.event_name_original,
        tracking_plan.category as event_category,
        tracking_plan.event_name is not null as is_tracked,
        coalesce(tracking_plan.counts_as_active, true) as is_active_event,
        events.user_id,
        events.anonymous_id,
        case
            when events.user_id_key is not null then events.user_id_key
            when identities_stitched.user_id_key is not null
                then identities_stitched.user_id_key
            else events.anonymous_id_key
        end as user_key_id,
        case
            when events.user_id is not null then events.user_id
            when identities_stitched.user_id is not null then identities_stitched.user_id
            else events.anonymous_id
        end as user_key,
        events.event_at,
        events.received_at,
        events.loaded_at,
        events.load_id,
        events.file_path,
        events.line_number

    from events

    left join identities_stitched
        on events.anonymous_id_key = identities_stitched.anonymous_id_key

    left join tracking_plan
        on events.event_name = tracking_plan.event_name

)

select * from events_identified
