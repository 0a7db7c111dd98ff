{#
    The users (stitched `user_key` and `user_key_id`) whose events can have changed since the
    event copies landed after `landed_after` (a SQL timestamp, usually incremental_watermark()).
    Incremental event-grain models rebuild exactly these users' whole histories.

    An event changes user, content or session only when
    - a copy of it lands (a new event, or a re-sent copy that may win deduplication): the ids
      on every copy of that event_id, so both the old and the new winner are covered;
    - its anonymous id gets a new first tie to a user: the tying event is itself a new copy,
      so the anonymous id is among the ids above.
    The touched users are those ids as keys (a user id is its own key; an anonymous id is its
    key while untied), plus every user id any event ties to one of those anonymous ids (the old
    and the new owner of its events). A user's sessions change only when its set of events
    changes, so rebuilding these users reproduces a full rebuild.
#}
{% macro touched_user_keys(landed_after) -%}
    with

    event_copies as (

        select * from {{ ref('stg_events__events') }}

    ),

    events_deduplicated as (

        select * from {{ ref('int_events_deduplicated') }}

    ),

    events_landed_after as (

        select distinct event_id

        from event_copies

        where loaded_at > {{ landed_after }}

    ),

    touched_copy_identities as (

        select
            event_copies.user_id,
            event_copies.user_id_key,
            event_copies.anonymous_id,
            event_copies.anonymous_id_key

        from event_copies

        inner join events_landed_after
            on event_copies.event_id = events_landed_after.event_id

    ),

    touched_anonymous_ids as (

        select distinct anonymous_id_key

        from touched_copy_identities

        where anonymous_id_key is not null

    ),

    touched_anonymous_id_owners as (

        select distinct
            events_deduplicated.user_id_key,
            events_deduplicated.user_id

        from events_deduplicated

        inner join touched_anonymous_ids
            on events_deduplicated.anonymous_id_key = touched_anonymous_ids.anonymous_id_key

        where events_deduplicated.user_id_key is not null

    ),

    touched_keys as (

        select user_id_key as user_key_id, user_id as user_key
        from touched_copy_identities
        where user_id_key is not null

        union

        select anonymous_id_key as user_key_id, anonymous_id as user_key
        from touched_copy_identities
        where anonymous_id_key is not null

        union

        select user_id_key as user_key_id, user_id as user_key
        from touched_anonymous_id_owners

    )

    select user_key_id, user_key from touched_keys
{%- endmacro %}
