{#
    A seed's window (`value` `unit`s, unit `second`, `minute`, `hour`, `day` = 86,400 s or
    `week`) in whole seconds, as a bigint; null when the value is null (no window). Funnels
    and experiment metrics share it.
#}
{% macro window_seconds(value_column, unit_column) -%}
    cast({{ value_column }} * case {{ unit_column }}
        when 'second' then 1
        when 'minute' then 60
        when 'hour' then 3600
        when 'day' then 86400
        when 'week' then 604800
    end as {{ dbt.type_bigint() }})
{%- endmacro %}
