-- depends_on: {{ ref('custom_dimensions') }}
{#
    One row per user and segment dimension, so that funnel and retention breakdowns join one
    table whatever the dimension: acquisition_channel, signup_week, current_plan,
    activity_segment and every user-level custom dimension (values as text; 'unknown' when the
    user has none).
#}
with

users as (

    select * from {{ ref('int_users_attributed') }}

),

user_segments as (

    {%- set segments = [
        ('acquisition_channel', 'acquisition_channel'),
        ('signup_week', 'cohort_week'),
        ('current_plan', 'current_plan'),
        ('activity_segment', 'activity_segment'),
    ] -%}
    {%- for dimension in custom_dimensions('user') -%}
        {%- do segments.append((dimension['name'], dimension['name'])) -%}
    {%- endfor %}
    {% for segment_name, column in segments %}
    select
        user_key,
        '{{ segment_name }}' as segment_name,
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), 'unknown') as segment_value
    from users
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from user_segments
