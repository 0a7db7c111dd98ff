{#
    Two CTEs, each followed by a comma (the model starts `with recursive`):
    `period_numbers`, 0, 1, ... up to the largest `last_period_number` of the CTE `bounds`
    (a recursive CTE: portable, unlike generate_series), and `cte_name`: every row of
    `bounds` (its columns, `period` holding 'day', 'week' or 'month', and
    `last_period_number`) once per period number N from 0 to its `last_period_number`, with
    `period_number` N and `period_start`, the date N periods after its `start_column`. The
    spine that retention (cohort periods) and lifecycle (calendar periods) zero-fill.
#}
{% macro period_spine(cte_name, bounds, start_column) -%}
period_numbers as (

    select 0 as period_number

    union all

    select period_number + 1 as period_number

    from period_numbers

    where period_number < (select max(last_period_number) from {{ bounds }})

),

{{ cte_name }} as (

    select
        {{ bounds }}.*,
        period_numbers.period_number,
        cast({{ period_dateadd(
            bounds ~ '.period', 'period_numbers.period_number', bounds ~ '.' ~ start_column
        ) }} as date) as period_start

    from {{ bounds }}

    inner join period_numbers
        on period_numbers.period_number <= {{ bounds }}.last_period_number

),
{%- endmacro %}
