{#
    Incremental strategy `touched_users`: the user is the unit of work.

    The model selects the rows of the users a run touches (events_of_touched_users); this
    strategy deletes every existing row of those users (`unique_key` names the user column,
    `user_key`) and inserts the new ones, in the model's transaction. Unlike delete+insert on
    the rows' own key it also removes the rows a touched user no longer has (an attempt whose
    step-1 event was re-tied to another user, every row of an anonymous id now stitched to a
    user), so no tombstones are needed. Mode 'all' (definitions changed) replaces every row.
#}
{% macro get_incremental_touched_users_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set user_column = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set build_plan = incremental_build_plan() -%}
    delete from {{ target }}
    {%- if build_plan.mode == 'touched' %}
    where {{ user_column }} in (
        select touched_users.{{ user_column }}
        from (
            {{ touched_user_keys(build_plan.landed_after) | indent(12) }}
        ) as touched_users
    )
    {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
