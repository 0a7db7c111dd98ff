{#
    Incremental strategy `touched_days`: the reporting day is the unit of work, for marts with
    one row per day (or per day and something else) that aggregate every user's activity of
    the day (agg_event_trends, agg_revenue_daily).

    The model selects its rows for the days a run touches (int_touched_days, macro
    rows_of_touched_days); this strategy deletes the existing rows of those days (`unique_key`
    names the date column) and inserts the new ones, in the model's transaction. A day whose
    events are all gone (a re-sent copy moved its only event to another day) loses its rows.
    Mode 'all' (definitions changed) replaces every row.
#}
{% macro get_incremental_touched_days_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set date_column = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if incremental_build_plan().mode != 'touched' %}
    delete from {{ target }};
    {%- else %}
    delete from {{ target }}
    where {{ date_column }} in (select date_day from {{ ref('int_touched_days') }});
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}

{#
    A CTE (followed by a comma) naming `cte_name` the rows of `source_cte` a day-grain
    incremental model rebuilds: on a `touched` build plan, those whose `date_column` is a day
    of int_touched_days; on a full build, every row.
#}
{% macro rows_of_touched_days(cte_name, source_cte, build_plan, date_column) -%}
{{ cte_name }} as (

    select {{ source_cte }}.*

    from {{ source_cte }}
    {%- if build_plan.mode == 'touched' %}

    inner join {{ ref('int_touched_days') }} as touched_days
        on {{ source_cte }}.{{ date_column }} = touched_days.date_day
    {%- endif %}

),
{%- endmacro %}
