-- depends_on: {{ ref('custom_dimensions') }}
{#
    One row per landed event copy with analytics consent. Renames and types only: landing
    already validated the line, normalized the event name and hashed personal data. Copies
    whose `context.consent` refused analytics stay in raw.events (counted in
    audit.load_reconciliation) but are kept out of every modelled layer here.
#}
with

source as (

    select * from {{ source('raw', 'events') }}

),

renamed as (

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
        {{ json_text('context', 'page.path') }} as page_path,
        {{ json_text('context', 'page.url') }} as page_url,
        {{ json_text('context', 'page.referrer') }} as page_referrer,
        {{ json_text('context', 'campaign.source') }} as utm_source,
        {{ json_text('context', 'campaign.medium') }} as utm_medium,
        {{ json_text('context', 'campaign.name') }} as utm_campaign,
        {{ json_text('context', 'device.type') }} as device_type,
        coalesce({{ json_text('traits', 'plan') }}, {{ json_text('properties', 'plan') }}) as plan,
        {%- for dimension in custom_dimensions() %}
        {{ custom_dimension_value(dimension) }} as {{ dimension['name'] }},
        {%- endfor %}
        properties,
        traits

    from source

    where has_analytics_consent

)

select * from renamed
