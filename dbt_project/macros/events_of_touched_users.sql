{#
    CTEs (each followed by a comma) that name `cte_name` the rows of `source_cte` an
    incremental event-grain model rebuilds: on a touched build, the rows of the users
    touched_user_keys returns (joined on `key_column`); on a full build, every row.
#}
{% macro events_of_touched_users(cte_name, source_cte, build_plan, key_column) -%}
{% if build_plan.mode == 'touched' -%}
touched_users as (

    {{ touched_user_keys(build_plan.landed_after) }}

),

{{ cte_name }} as (

    select {{ source_cte }}.*

    from {{ source_cte }}

    inner join touched_users
        on {{ source_cte }}.{{ key_column }} = touched_users.{{ key_column }}

),
{%- else -%}
{{ cte_name }} as (

    select * from {{ source_cte }}

),
{%- endif %}
{%- endmacro %}
