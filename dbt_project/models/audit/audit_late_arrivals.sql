{#
    Per landing batch: the events that arrived more than `lookback_days` after they happened
    (event date before the landing date minus the horizon). The incremental models handle them
    like any other event, by rebuilding the touched user from the session before the event
    (macro touched_user_keys), so none is dropped or quarantined: this table counts them, so that a
    source that delivers very late is visible, and says how they were handled.
#}
with

event_copies as (

    select * from {{ ref('stg_events__events') }}

),

event_copies_dated as (

    select
        load_id,
        loaded_at,
        event_id,
        coalesce(user_id, anonymous_id) as user_key_hint,
        {{ to_reporting_date('event_at') }} as event_date,
        {{ to_reporting_date('loaded_at') }} as landed_date

    from event_copies

),

late_copies as (

    select *

    from event_copies_dated

    where event_date < cast({{ dbt.dateadd(
        'day', -1 * int_var('lookback_days'), 'landed_date'
    ) }} as date)

),

late_arrivals as (

    select
        load_id,
        max(loaded_at) as loaded_at,
        count(*) as count_late_copies,
        count(distinct user_key_hint) as count_ids_touched,
        min(event_date) as oldest_event_date,
        {{ int_var('lookback_days') }} as lookback_days,
        'rebuilt_from_session_before' as handling

    from late_copies

    group by 1

)

select * from late_arrivals
