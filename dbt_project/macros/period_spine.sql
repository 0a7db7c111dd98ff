{#
    Three CTEs, each followed by a comma: `period_digits`, `period_numbers`, 0, 1, ... up to the largest
    `last_period_number` of the CTE `bounds`, and `cte_name`: every row of `bounds` (its
    columns, `period` holding 'day', 'week' or 'month', and `last_period_number`) once per
    period number N from 0 to its `last_period_number`, with `period_number` N and
    `period_start`, the date N periods after its `start_column`. The spine that retention
    (cohort periods) and lifecycle (calendar periods) zero-fill.

    The numbers are the digits 0-9 cross-joined five times (0 to 99,999: 273 years of days),
    which every engine runs as one small join. A recursive CTE, as before, made Spark evaluate
    `bounds` again at every step (a minute on the sample); generate_series is not portable.
#}
{% macro period_spine(cte_name, bounds, start_column) -%}
period_digits as (

    {% for digit in range(10) -%}
    select {{ digit }} as digit
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

period_numbers as (

    select
        cast(
            {%- for power in range(5) %}
            {% if not loop.first %}+ {% endif %}digits_{{ power }}.digit * {{ 10 ** power }}
            {%- endfor %}
            as {{ dbt.type_bigint() }}
        ) as period_number

    from period_digits as digits_0
    {%- for power in range(1, 5) %}

    cross join period_digits as digits_{{ power }}
    {%- endfor %}

    where
        {%- for power in range(5) %}
        {% if not loop.first %}+ {% endif %}digits_{{ power }}.digit * {{ 10 ** power }}
        {%- endfor %}
        <= (select max(last_period_number) from {{ bounds }})

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
