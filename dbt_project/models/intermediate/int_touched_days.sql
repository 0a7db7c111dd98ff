-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('int_touched_users') }}
-- depends_on: {{ ref('int_user_event_days') }}
{#
    The reporting days (in `reporting_timezone`) whose day-grain aggregates this run
    recomputes (strategy touched_days: agg_event_trends, agg_revenue_daily), from the copies
    landed after the oldest watermark of those marts (macro touched_users_landed_after).

    A day's rows depend only on the events of that day: their names, users and amounts. An
    event changes day, name or amount only through a landed copy (a new event, or a re-sent
    copy that wins deduplication with another time or payload), so the days of every copy of
    every event with a landed copy hold all of those changes, the old day and the new one. An
    event changes user only when its anonymous id is tied to another user, and then the old
    and the new owner are rebuilt whole (int_touched_users, `rebuild_from` null): the days of
    their events hold those changes. Empty before the marts have recorded a watermark (their
    first build is whole).
#}
{%- set landed_after = touched_users_landed_after() %}

with

{% if landed_after is none -%}
touched_days as (

    select cast(null as date) as date_day

    where 1 = 0

)
{%- else -%}
events_landed_after as (

    select distinct event_id

    from {{ ref('stg_events__events') }}

    where loaded_at > {{ landed_after }}

),

touched_copy_days as (

    select distinct {{ to_reporting_date('event_copies.event_at') }} as date_day

    from {{ ref('stg_events__events') }} as event_copies

    inner join events_landed_after
        on event_copies.event_id = events_landed_after.event_id

),

touched_users as (

    select user_key from {{ ref('int_touched_users') }}

    where rebuild_from is null

),

restitched_user_days as (

    select distinct user_event_days.event_date as date_day

    from {{ ref('int_user_event_days') }} as user_event_days

    inner join touched_users
        on user_event_days.user_key = touched_users.user_key

),

touched_days as (

    select date_day from touched_copy_days

    union

    select date_day from restitched_user_days

)
{%- endif %}

select date_day from touched_days
