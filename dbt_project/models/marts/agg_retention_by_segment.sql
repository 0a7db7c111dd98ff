{#
    Retention broken down by user segment (acquisition_channel, signup_week, current_plan,
    activity_segment and every user-level custom dimension): the non-'all' rows of
    int_retention_segmented. Cohort sizes and rates are within the segment value.
#}
with

retention_segmented as (

    select * from {{ ref('int_retention_segmented') }}

),

retention_by_segment as (

    select
        {{ dbt.hash(dbt.concat([
            'retention_period_key', "'|'", 'segment_name', "'|'", 'segment_value'
        ])) }} as retention_segment_period_key,
        segment_name,
        segment_value,
        {{ retention_columns() }}

    from retention_segmented

    where segment_name <> 'all'

)

select
    retention_segment_period_key,
    segment_name,
    segment_value,
    {{ retention_columns() }}

from retention_by_segment
