{#
    One row per landed event copy with analytics consent. Renames and types only: landing
    already validated the line, normalized the event name and hashed personal data. Copies
    whose `context.consent` refused analytics stay in raw.events (counted in
    audit.load_reconciliation) but are kept out of every modelled layer here.

    The payload stays in the JSON columns `context`, `traits` and `properties`: a model that
    needs it extracts it (macro event_payload) from the copies it keeps, after its joins, so
    a copy that is not kept (a duplicate, an event outside an incremental run) is never
    parsed.
#}
with

source as (

    select * from {{ source('raw', 'events') }}

),

renamed as (

    select
        {{ event_columns() }},
        properties,
        context,
        traits

    from source

    where has_analytics_consent

)

select * from renamed
