-- depends_on: {{ ref('stg_events__events') }}
-- depends_on: {{ ref('tracking_plan') }}
{#
    Copies of one event_id become one event: the copy received first; ties by file path, then
    line number (CONTRACT §1), then the earlier landing (a changed file lands again, and the
    lines it still has are copies of the lines landed before).

    Narrow: the event's ids, keys and times, and the copy kept (load_id, file_path,
    line_number), without the payload JSON; fct_events reads the payload from that copy.

    Incremental (delete+insert on event_id): for each event_id with copies landed since the
    model was last built (macro incremental_build_plan), a run ranks the new copies with the
    copy kept so far, so a re-sent copy received earlier than the kept one replaces it and a
    later one changes nothing. `--full-refresh` (or changed definitions) ranks everything.
#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='event_id',
    on_schema_change='sync_all_columns',
    post_hook=["{{ record_incremental_state() }}"],
) }}
{%- set build_plan = incremental_build_plan() -%}

with

{% if build_plan.mode == 'touched' -%}
event_copies_landed as (

    {#
        filtered where it is read: this CTE is read twice, and an engine that materializes it
        (DuckDB does) would otherwise stage every copy ever landed before filtering
    #}
    select * from {{ ref('stg_events__events') }}

    where loaded_at > {{ build_plan.landed_after }}

),

events_kept_before as (

    {#
        The copy kept so far of each event that has a new copy: it beats every other copy
        landed before, so the new winner is among it and the new copies.
    #}
    select events_kept.*

    from {{ this }} as events_kept

    where events_kept.event_id in (select event_copies_landed.event_id from event_copies_landed)

),

event_copies_to_rank as (

    select
        {{ event_columns() }}

    from event_copies_landed

    union all

    select
        {{ event_columns() }}

    from events_kept_before

),
{%- else -%}
event_copies_to_rank as (

    select
        {{ event_columns() }}

    from {{ ref('stg_events__events') }}

),
{%- endif %}

event_copies_ranked as (

    select
        *,
        row_number() over (
            partition by event_id
            order by received_at, file_path, line_number, loaded_at
        ) as copy_rank

    from event_copies_to_rank

),

events_deduplicated as (

    select
        {{ event_columns() }}

    from event_copies_ranked

    where copy_rank = 1

)

select * from events_deduplicated
