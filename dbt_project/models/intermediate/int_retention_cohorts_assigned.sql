{#
    Cohort memberships of every retention definition. first_time: one membership per user, in
    the period of the user's first-ever cohort event. recurring: one membership per period in
    which the user did the cohort event.
#}
with

user_periods as (

    select * from {{ ref('int_retention_user_periods') }}

),

first_time_memberships as (

    select
        retention_name,
        period,
        cohort_type,
        user_key,
        min(period_start) as cohort_start

    from user_periods

    where cohort_type = 'first_time'
        and has_cohort_event

    group by 1, 2, 3, 4

),

recurring_memberships as (

    select
        retention_name,
        period,
        cohort_type,
        user_key,
        period_start as cohort_start

    from user_periods

    where cohort_type = 'recurring'
        and has_cohort_event

),

cohort_memberships as (

    select * from first_time_memberships

    union all

    select * from recurring_memberships

)

select * from cohort_memberships
