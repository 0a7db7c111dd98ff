{#
    Every period, at or after the cohort period, in which a cohort member did the return
    event, as a period number from the cohort period. Once per membership, not once per
    membership and segment: a recurring cohort already pairs each membership with each later
    return, and segments would multiply that again (int_retention_period_returns counts
    segments through signatures instead).
#}
with

cohort_memberships as (

    select * from {{ ref('int_retention_cohorts_assigned') }}

),

user_periods as (

    select * from {{ ref('int_retention_user_periods') }}

),

member_returns as (

    select
        cohort_memberships.retention_name,
        cohort_memberships.cohort_start,
        cohort_memberships.user_key,
        {{ period_datediff(
            'cohort_memberships.period', 'cohort_memberships.cohort_start',
            'user_periods.period_start'
        ) }} as period_number

    from cohort_memberships

    inner join user_periods
        on cohort_memberships.retention_name = user_periods.retention_name
        and cohort_memberships.user_key = user_periods.user_key
        and cohort_memberships.cohort_start <= user_periods.period_start

    where user_periods.has_return_event

)

select * from member_returns
