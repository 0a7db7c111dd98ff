{# Every landed file: lines = loaded + duplicates + quarantined. Returns the files that don't. #}
select
    load_id,
    file_path,
    count_lines,
    count_loaded,
    count_duplicates,
    count_quarantined

from {{ ref('audit_load_reconciliation') }}

where not is_reconciled
