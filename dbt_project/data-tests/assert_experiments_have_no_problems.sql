{#
    Warning: every experiment problem (audit_experiment_problems) shows in the run summary. A
    problem never fails the run: a definition error keeps only its experiment out of
    agg_experiment_results.
#}
{{ config(severity='warn') }}

select
    experiment_id,
    metric_name,
    problem,
    detail,
    is_blocking

from {{ ref('audit_experiment_problems') }}
