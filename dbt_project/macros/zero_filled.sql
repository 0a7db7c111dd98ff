{#
    The body of a CTE that zero-fills counts: every row of the CTE `spine` (the rows that
    must exist: each defined step, each period that has begun...), joined (left join on every
    column of `keys`) to each CTE of `counts`, a mapping {CTE: [count columns]}. A count
    column is 0 where its CTE has no row for the key, so a spine row with nothing to count
    still shows 0. `carried` maps CTEs (of `counts` or not, joined the same way) to columns
    taken as they are (null where no row: an average or a median of nothing). Selects
    `spine.*` then the counts, then the carried columns.
#}
{% macro zero_filled(spine, keys, counts, carried={}) -%}
    {%- set joined = [] -%}
    {%- for relation in (counts.keys() | list) + (carried.keys() | list) -%}
        {%- if relation not in joined -%}
            {%- do joined.append(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    select
        {{ spine }}.*
        {%- for relation, columns in counts.items() %}
        {%- for column in columns %},
        coalesce({{ relation }}.{{ column }}, 0) as {{ column }}
        {%- endfor %}
        {%- endfor %}
        {%- for relation, columns in carried.items() %}
        {%- for column in columns %},
        {{ relation }}.{{ column }}
        {%- endfor %}
        {%- endfor %}

    from {{ spine }}
    {%- for relation in joined %}

    left join {{ relation }}
        {%- for key in keys %}
        {{ 'on' if loop.first else 'and' }} {{ spine }}.{{ key }} = {{ relation }}.{{ key }}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}
