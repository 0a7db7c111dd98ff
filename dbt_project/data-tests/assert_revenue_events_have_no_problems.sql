{#
    Warning: every revenue event left out of the totals (audit_revenue_problems: a missing,
    invalid or negative amount, an unknown currency, an invalid interval) shows in the run
    summary. A problem never fails the run: the event is counted in audit, not in revenue.
#}
{{ config(severity='warn') }}

select
    event_name,
    problem,
    detail,
    count_events

from {{ ref('audit_revenue_problems') }}
