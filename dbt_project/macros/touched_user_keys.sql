{#
    The users (stitched `user_key` and `user_key_id`) whose events can have changed since the
    event copies landed after `landed_after` (a SQL timestamp; none: no user yet),
    and, for each, `rebuild_from`: the event time before which nothing of that user changed
    (null: anything may have changed, rebuild the user's whole history).

    An event changes user, content or session only when
    - a copy of it lands (a new event, or a re-sent copy that may win deduplication): the ids
      on every copy of that event_id, so both the old and the new winner are covered. Every
      copy of it, old or new, is at or after the earliest `event_at` of its copies, so the
      event's users change only from that time on (`changed_from`);
    - its anonymous id is tied to another user (CONTRACT §6: the first event carrying both ids,
      by event time, wins). The tie can only move through a landed copy carrying both ids: if
      none such is at or before the anonymous id's current first tie, the old first tie is the
      current one (every other tying event is later, or unchanged). When it may have moved, the
      anonymous id and every user tied to it, by a current event or by a landed copy (the old
      owner, when the old tie lost its user id), are rebuilt whole: all its events can have
      changed owner.
    The touched users are those ids as keys (a user id is its own key; an anonymous id is its
    key while untied), plus every user id any event ties to one of those anonymous ids (the old
    and the new owner of its events). A user's sessions change only when its set of events
    changes, and only from its earliest changed event on, so rebuilding each of these users
    from `rebuild_from` (macro events_of_touched_users, int_events_sessionized) reproduces a
    full rebuild.
#}
{% macro touched_user_keys(landed_after) -%}
    {%- if landed_after is none -%}
    {# nothing landed after a watermark yet: no user, with the columns' types #}
    select
        cast(null as {{ dbt.type_bigint() }}) as user_key_id,
        cast(null as {{ dbt.type_string() }}) as user_key,
        cast(null as {{ dbt.type_timestamp() }}) as rebuild_from

    where 1 = 0
    {%- else -%}
    {#
        the event copies are read twice, each time where they are used: a shared CTE would be
        materialized whole by DuckDB (every column of every copy) before either filter
    #}
    with

    events_deduplicated as (

        select * from {{ ref('int_events_deduplicated') }}

    ),

    events_landed_after as (

        select distinct event_id

        from {{ ref('stg_events__events') }}

        where loaded_at > {{ landed_after }}

    ),

    touched_copies as (

        select
            event_copies.event_id,
            event_copies.event_at,
            event_copies.user_id,
            event_copies.user_id_key,
            event_copies.anonymous_id,
            event_copies.anonymous_id_key

        from {{ ref('stg_events__events') }} as event_copies

        inner join events_landed_after
            on event_copies.event_id = events_landed_after.event_id

    ),

    touched_events as (

        select
            event_id,
            min(event_at) as changed_from

        from touched_copies

        group by 1

    ),

    touched_copy_identities as (

        select
            touched_copies.user_id,
            touched_copies.user_id_key,
            touched_copies.anonymous_id,
            touched_copies.anonymous_id_key,
            touched_events.changed_from

        from touched_copies

        inner join touched_events
            on touched_copies.event_id = touched_events.event_id

    ),

    touched_anonymous_ids as (

        select
            anonymous_id_key,
            min(changed_from) as changed_from,
            min(case when user_id_key is not null then changed_from end) as tie_changed_from

        from touched_copy_identities

        where anonymous_id_key is not null

        group by 1

    ),

    touched_anonymous_id_ties as (

        {# every user id an event ties to a touched anonymous id, and its earliest tie #}
        select
            events_deduplicated.anonymous_id_key,
            events_deduplicated.user_id_key,
            events_deduplicated.user_id,
            min(events_deduplicated.event_at) as tied_at

        from events_deduplicated

        inner join touched_anonymous_ids
            on events_deduplicated.anonymous_id_key = touched_anonymous_ids.anonymous_id_key

        where events_deduplicated.user_id_key is not null

        group by 1, 2, 3

    ),

    touched_anonymous_id_first_ties as (

        select
            anonymous_id_key,
            min(tied_at) as first_tied_at

        from touched_anonymous_id_ties

        group by 1

    ),

    touched_anonymous_ids_restitched as (

        select
            touched_anonymous_ids.anonymous_id_key,
            touched_anonymous_ids.changed_from,
            case
                when touched_anonymous_ids.tie_changed_from is null then 0
                when touched_anonymous_id_first_ties.first_tied_at is null then 1
                when touched_anonymous_ids.tie_changed_from
                    <= touched_anonymous_id_first_ties.first_tied_at then 1
                else 0
            end as is_restitched

        from touched_anonymous_ids

        left join touched_anonymous_id_first_ties
            on touched_anonymous_ids.anonymous_id_key
                = touched_anonymous_id_first_ties.anonymous_id_key

    ),

    touched_key_changes as (

        {# a copy's user: rebuilt whole when the copy ties a re-stitched anonymous id to it
           (it may be that id's old owner, whose tie no current event carries any more) #}
        select
            touched_copy_identities.user_id_key as user_key_id,
            touched_copy_identities.user_id as user_key,
            touched_copy_identities.changed_from,
            coalesce(touched_anonymous_ids_restitched.is_restitched, 0) as is_rebuilt_whole

        from touched_copy_identities

        left join touched_anonymous_ids_restitched
            on touched_copy_identities.anonymous_id_key
                = touched_anonymous_ids_restitched.anonymous_id_key

        where touched_copy_identities.user_id_key is not null

        union all

        select
            touched_copy_identities.anonymous_id_key as user_key_id,
            touched_copy_identities.anonymous_id as user_key,
            touched_copy_identities.changed_from,
            touched_anonymous_ids_restitched.is_restitched as is_rebuilt_whole

        from touched_copy_identities

        inner join touched_anonymous_ids_restitched
            on touched_copy_identities.anonymous_id_key
                = touched_anonymous_ids_restitched.anonymous_id_key

        union all

        select
            touched_anonymous_id_ties.user_id_key as user_key_id,
            touched_anonymous_id_ties.user_id as user_key,
            touched_anonymous_ids_restitched.changed_from,
            touched_anonymous_ids_restitched.is_restitched as is_rebuilt_whole

        from touched_anonymous_id_ties

        inner join touched_anonymous_ids_restitched
            on touched_anonymous_id_ties.anonymous_id_key
                = touched_anonymous_ids_restitched.anonymous_id_key

    ),

    touched_keys as (

        select
            user_key_id,
            user_key,
            case
                when max(is_rebuilt_whole) = 1 then null
                else min(changed_from)
            end as rebuild_from

        from touched_key_changes

        group by 1, 2

    )

    select user_key_id, user_key, rebuild_from from touched_keys
    {%- endif %}
{%- endmacro %}
