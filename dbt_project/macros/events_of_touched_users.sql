{#
    CTEs (each followed by a comma) that name `cte_name` the rows of `source_cte` an
    incremental event-grain model rebuilds: on a touched build, the rows of the users in
    int_touched_users (touched_user_keys, computed once per run; joined on `key_column`),
    with `from_column` only their rows at or after the user's `rebuild_from` (all of them
    when it is null), with `from_date_column` (a reporting date) those on or after the day of
    `rebuild_from`; on a full build, every row.
#}
{% macro events_of_touched_users(
    cte_name, source_cte, build_plan, key_column, from_column=none, from_date_column=none
) -%}
{% if build_plan.mode == 'touched' -%}
touched_users as (

    select * from {{ ref('int_touched_users') }}

),

{{ cte_name }} as (

    select {{ source_cte }}.*

    from {{ source_cte }}

    inner join touched_users
        on {{ source_cte }}.{{ key_column }} = touched_users.{{ key_column }}
    {%- if from_column %}

    where touched_users.rebuild_from is null
        or {{ source_cte }}.{{ from_column }} >= touched_users.rebuild_from
    {%- elif from_date_column %}

    where touched_users.rebuild_from is null
        or {{ source_cte }}.{{ from_date_column }}
            >= {{ to_reporting_date('touched_users.rebuild_from') }}
    {%- endif %}

),
{%- else -%}
{{ cte_name }} as (

    select * from {{ source_cte }}

),
{%- endif %}
{%- endmacro %}
