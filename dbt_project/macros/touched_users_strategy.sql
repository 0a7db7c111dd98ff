{#
    Incremental strategy `touched_users`: the user is the unit of work.

    The model selects the rows of the users a run touches (int_touched_users); this
    strategy deletes the existing rows of those users (`unique_key` names the user column,
    `user_key`) and inserts the new ones, in the model's transaction. Unlike delete+insert on
    the rows' own key it also removes the rows a touched user no longer has (an attempt whose
    step-1 event was re-tied to another user, every row of an anonymous id now stitched to a
    user, two sessions bridged into one), so no tombstones are needed. Mode 'all'
    (definitions changed) replaces every row.

    With the model config `rebuild_range_column` (a column ordering a user's rows, e.g.
    `session_number`) the model rebuilds a touched user only from some point on: the rows
    deleted are the user's rows at or after the smallest value among its new rows, or all of
    its rows when it has no new row. With `rebuild_reaches_column` (a time up to which a row
    depends on the user's events, e.g. a funnel attempt's `window_ends_at`; null: no end) the
    rows deleted are the user's rows that reach its `rebuild_from`; with
    `rebuild_from_date_column` (a reporting date) those on or after the day of `rebuild_from`.
#}
{% macro get_incremental_touched_users_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set user_column = arg_dict['unique_key'] -%}
    {%- set range_column = config.get('rebuild_range_column') -%}
    {%- set reaches_column = config.get('rebuild_reaches_column') -%}
    {%- set from_date_column = config.get('rebuild_from_date_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set build_plan = incremental_build_plan() -%}
    {%- if build_plan.mode != 'touched' %}
    delete from {{ target }};
    {%- elif range_column %}
    delete from {{ target }} as existing_rows
    using (
        select
            touched_users.{{ user_column }},
            min(new_rows.{{ range_column }}) as rebuilt_from

        from (
            select user_key_id, user_key, rebuild_from from {{ ref('int_touched_users') }}
        ) as touched_users

        left join {{ source }} as new_rows
            on touched_users.{{ user_column }} = new_rows.{{ user_column }}

        group by 1
    ) as rebuilt_ranges
    where existing_rows.{{ user_column }} = rebuilt_ranges.{{ user_column }}
        and (
            rebuilt_ranges.rebuilt_from is null
            or existing_rows.{{ range_column }} >= rebuilt_ranges.rebuilt_from
        );
    {%- else %}
    {%- if from_date_column -%}
        {%- set rebuilt_rows = 'existing_rows.' ~ from_date_column ~ ' >= '
            ~ to_reporting_date('touched_users.rebuild_from') -%}
    {%- elif reaches_column -%}
        {%- set rebuilt_rows = 'existing_rows.' ~ reaches_column ~ ' is null or existing_rows.'
            ~ reaches_column ~ ' >= touched_users.rebuild_from' -%}
    {%- else -%}
        {%- set rebuilt_rows = 'true' -%}
    {%- endif %}
    delete from {{ target }} as existing_rows
    using (
        select user_key_id, user_key, rebuild_from from {{ ref('int_touched_users') }}
    ) as touched_users
    where existing_rows.{{ user_column }} = touched_users.{{ user_column }}
        and (touched_users.rebuild_from is null or {{ rebuilt_rows }});
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
