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

payload_extracted as (

    {# the payload columns (macro event_columns) from the JSON of context, traits, properties #}
    select
        *,
        {{ json_text('context', 'page.path') }} as page_path,
        {{ json_text('context', 'page.url') }} as page_url,
        {{ json_text('context', 'page.referrer') }} as page_referrer,
        {{ json_text('context', 'campaign.source') }} as utm_source,
        {{ json_text('context', 'campaign.medium') }} as utm_medium,
        {{ json_text('context', 'campaign.name') }} as utm_campaign,
        {{ json_text('context', 'device.type') }} as device_type,
        {%- for dimension in custom_dimensions() %}
        {{ custom_dimension_value(dimension) }} as {{ dimension['name'] }},
        {%- endfor %}
        coalesce({{ json_text('traits', 'plan') }}, {{ json_text('properties', 'plan') }}) as plan

    from source

    where has_analytics_consent

),

renamed as (

    select
        {{ event_columns() }},
        traits

    from payload_extracted

)

select * from renamed
