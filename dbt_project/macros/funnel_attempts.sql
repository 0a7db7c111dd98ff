{#
    One row per funnel attempt of `relation` (rows of int_funnel_attempt_steps' grain: one
    per step an attempt reached): its start and the furthest step it reached. Both the
    pruning of attempts (int_funnel_attempt_steps) and the choice of the attempt kept
    (fct_funnel_steps) rank attempts by it.
#}
{% macro funnel_attempts_summarized(relation) -%}
    select
        funnel_name,
        user_key,
        attempt_event_id,
        attempt_started_at,
        max(step_number) as furthest_step_number

    from {{ relation }}

    group by 1, 2, 3, 4
{%- endmacro %}
