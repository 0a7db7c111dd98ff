{#
    Whole seconds from `start_column` to `end_column`. Differences are taken in seconds
    because `dbt.datediff` in hours or minutes truncates differently across engines.
#}
{% macro seconds_between(start_column, end_column) -%}
    {{ dbt.datediff(start_column, end_column, 'second') }}
{%- endmacro %}
