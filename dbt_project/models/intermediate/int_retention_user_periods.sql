{#
    Joins every retention definition (seeds/retention_definitions.csv) to the events it cares
    about, so a new seed row is a new retention without SQL changes. `*` matches any event that
    counts as active; a named event matches by name. It reads the events reduced to one row per
    user × event name × day (int_user_event_days, incremental), and each definition picks its
    period (day, week or month start, in reporting_timezone) with a `case` on its `period`
    column.
#}
with

user_event_days as (

    select * from {{ ref('int_user_event_days') }}

),

retention_definitions as (

    select * from {{ ref('retention_definitions') }}

),

definition_user_event_days as (

    select
        retention_definitions.retention_name,
        retention_definitions.period,
        retention_definitions.cohort_type,
        user_event_days.user_key,
        case retention_definitions.period
            when 'day' then user_event_days.event_date
            when 'week' then user_event_days.week_start
            when 'month' then user_event_days.month_start
        end as period_start,
        (
            (retention_definitions.cohort_event = '*' and user_event_days.is_active_event)
            or retention_definitions.cohort_event = user_event_days.event_name
        ) as is_cohort_event,
        (
            (retention_definitions.return_event = '*' and user_event_days.is_active_event)
            or retention_definitions.return_event = user_event_days.event_name
        ) as is_return_event

    from retention_definitions

    inner join user_event_days
        on (retention_definitions.cohort_event = '*' and user_event_days.is_active_event)
        or retention_definitions.cohort_event = user_event_days.event_name
        or (retention_definitions.return_event = '*' and user_event_days.is_active_event)
        or retention_definitions.return_event = user_event_days.event_name

),

definition_user_periods as (

    select
        retention_name,
        period,
        cohort_type,
        user_key,
        period_start,
        {{ dbt.bool_or('is_cohort_event') }} as has_cohort_event,
        {{ dbt.bool_or('is_return_event') }} as has_return_event

    from definition_user_event_days

    group by 1, 2, 3, 4, 5

)

select * from definition_user_periods
