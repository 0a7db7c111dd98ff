-- depends_on: {{ ref('custom_dimensions') }}
{#
    Copies of one event_id become one event: the copy received first; ties by file path, then
    line number (CONTRACT §1).
#}
with

event_copies as (

    select * from {{ ref('stg_events__events') }}

),

event_copies_ranked as (

    select
        *,
        row_number() over (
            partition by event_id
            order by received_at, file_path, line_number
        ) as copy_rank

    from event_copies

),

events_deduplicated as (

    select
        event_id,
        event_type,
        event_name,
        event_name_original,
        user_id,
        anonymous_id,
        user_id_key,
        anonymous_id_key,
        event_at,
        received_at,
        loaded_at,
        load_id,
        file_path,
        line_number,
        page_path,
        page_url,
        page_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type,
        plan,
        {{- custom_dimension_columns() }}
        properties

    from event_copies_ranked

    where copy_rank = 1

)

select * from events_deduplicated
