{#
    The body of a CTE: every row of `relation` (its `columns`; joined on its `user_key`)
    once per segment its user belongs to, with that segment's `segment_name` and
    `segment_value` (from the CTE `segments`, int_user_segments: one row per user and segment
    dimension), and with `overall`, once more as segment 'all' / 'all'. A user without
    segments appears in 'all' only. Aggregating the result by segment gives a measure overall
    and per segment in one pass (retention, funnel conversion by segment).
#}
{% macro segments_expanded(relation, columns, segments='user_segments', overall=true) -%}
    {%- if overall -%}
    select
        {{ columns | join(',\n        ') }},
        'all' as segment_name,
        'all' as segment_value

    from {{ relation }}

    union all

    {% endif -%}
    select
        {%- for column in columns %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        {{ segments }}.segment_name,
        {{ segments }}.segment_value

    from {{ relation }}

    inner join {{ segments }}
        on {{ relation }}.user_key = {{ segments }}.user_key
{%- endmacro %}
