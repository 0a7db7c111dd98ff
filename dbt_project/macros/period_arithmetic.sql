{#
    Date arithmetic in a period held per row in `period_column` ('day', 'week' or 'month'):
    dbt.dateadd / dbt.datediff need the period as a literal, so these expand to one case over
    the three periods. Used by retention and lifecycle, whose definitions mix periods.
#}
{% macro period_dateadd(period_column, count, date_expression) -%}
    case {{ period_column }}
        {%- for period in ['day', 'week', 'month'] %}
        when '{{ period }}' then {{ dbt.dateadd(period, count, date_expression) }}
        {%- endfor %}
    end
{%- endmacro %}

{% macro period_datediff(period_column, start_expression, end_expression) -%}
    case {{ period_column }}
        {%- for period in ['day', 'week', 'month'] %}
        when '{{ period }}' then {{ dbt.datediff(start_expression, end_expression, period) }}
        {%- endfor %}
    end
{%- endmacro %}
