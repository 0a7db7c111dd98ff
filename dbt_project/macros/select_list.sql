{#
    `names` as a select list (commas between, none after the last), each column qualified with
    `alias` when one is given. The list macros (event_columns, retention_columns) render
    through it.
#}
{% macro select_list(names, alias=none) -%}
    {%- set qualified = [] -%}
    {%- for name in names -%}
        {%- do qualified.append((alias ~ '.' if alias else '') ~ name) -%}
    {%- endfor -%}
    {{ qualified | join(',\n        ') }}
{%- endmacro %}
