{#
    Per landed file: every line is loaded, a duplicate of an event kept elsewhere, or
    quarantined. `count_lines = count_loaded + count_duplicates + count_quarantined` must hold
    (data test assert_every_landed_file_reconciles).
    Loaded = modelled (kept by dedup) + without consent (in raw.events, never modelled, so
    never deduplicated: each such copy counts once). Lines of forgotten users are quarantine
    rows (`forgotten_user`, no text); those `forget` removed from raw.events after landing are
    `count_forgotten_after_load`, which the load-time counts are compared with.
    A changed file lands again: a line identical to one an earlier load of the file quarantined
    (same line number and text) gets no second quarantine row; the manifest counts it
    (`count_already_quarantined`) and it is a duplicate, like a re-sent copy.
#}
with

load_manifest as (

    select * from {{ source('raw', 'load_manifest') }}

),

raw_event_copies as (

    select * from {{ source('raw', 'events') }}

),

event_copies as (

    select * from {{ ref('stg_events__events') }}

),

events_kept as (

    select * from {{ ref('int_events_deduplicated') }}

),

quarantine as (

    select * from {{ source('audit', 'quarantine') }}

),

copies_per_file as (

    select
        load_id,
        file_path,
        count(*) as count_valid_lines
    from event_copies
    group by 1, 2

),

without_consent_per_file as (

    select
        load_id,
        file_path,
        count(*) as count_without_consent
    from raw_event_copies
    where not has_analytics_consent
    group by 1, 2

),

kept_per_file as (

    select
        load_id,
        file_path,
        count(*) as count_loaded
    from events_kept
    group by 1, 2

),

quarantined_per_file as (

    select
        load_id,
        file_path,
        count(*) as count_quarantined,
        count(case when reason = 'forgotten_user' then 1 end) as count_forgotten,
        count(case when removed_from_raw_at is not null then 1 end)
            as count_forgotten_after_load
    from quarantine
    where line_number is not null
    group by 1, 2

),

files_reconciled as (

    select
        load_manifest.load_id,
        load_manifest.file_path,
        load_manifest.content_hash,
        load_manifest.landed_at,
        load_manifest.count_lines,
        (
            coalesce(kept_per_file.count_loaded, 0)
            + coalesce(without_consent_per_file.count_without_consent, 0)
        ) as count_loaded,
        (
            coalesce(copies_per_file.count_valid_lines, 0)
            - coalesce(kept_per_file.count_loaded, 0)
            + coalesce(load_manifest.count_already_quarantined, 0)
        ) as count_duplicates,
        coalesce(quarantined_per_file.count_quarantined, 0) as count_quarantined,
        coalesce(kept_per_file.count_loaded, 0) as count_modelled,
        coalesce(without_consent_per_file.count_without_consent, 0) as count_without_consent,
        coalesce(quarantined_per_file.count_forgotten, 0) as count_forgotten,
        coalesce(quarantined_per_file.count_forgotten_after_load, 0)
            as count_forgotten_after_load,
        coalesce(load_manifest.count_already_quarantined, 0) as count_already_quarantined,
        load_manifest.count_landed as count_landed_at_load,
        load_manifest.count_quarantined as count_quarantined_at_load

    from load_manifest

    left join copies_per_file
        on load_manifest.load_id = copies_per_file.load_id
        and load_manifest.file_path = copies_per_file.file_path

    left join without_consent_per_file
        on load_manifest.load_id = without_consent_per_file.load_id
        and load_manifest.file_path = without_consent_per_file.file_path

    left join kept_per_file
        on load_manifest.load_id = kept_per_file.load_id
        and load_manifest.file_path = kept_per_file.file_path

    left join quarantined_per_file
        on load_manifest.load_id = quarantined_per_file.load_id
        and load_manifest.file_path = quarantined_per_file.file_path

),

files_checked as (

    select
        *,
        (
            count_lines = count_loaded + count_duplicates + count_quarantined
            and count_landed_at_load = (
                count_loaded + count_duplicates - count_already_quarantined
                + count_forgotten_after_load
            )
            and count_quarantined_at_load = count_quarantined - count_forgotten_after_load
        ) as is_reconciled

    from files_reconciled

)

select * from files_checked
