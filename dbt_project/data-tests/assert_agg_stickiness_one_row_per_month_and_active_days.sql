{#
    agg_stickiness: (month_start, count_active_days) is unique, k runs 1 .. count_days_observed
    without gaps, a month's users add up to its monthly active users and its shares to 1.
    Returns the offending months.
#}
with

stickiness as (

    select * from {{ ref('agg_stickiness') }}

),

months_checked as (

    select
        month_start,
        count(*) as count_rows,
        count(distinct count_active_days) as count_distinct_active_days,
        min(count_active_days) as min_active_days,
        max(count_active_days) as max_active_days,
        max(count_days_observed) as count_days_observed,
        sum(count_users) as count_users,
        max(count_monthly_active_users) as count_monthly_active_users,
        sum(share_of_users) as sum_of_shares

    from stickiness

    group by 1

)

select *

from months_checked

where count_rows <> count_distinct_active_days
    or min_active_days <> 1
    or max_active_days <> count_days_observed
    or count_rows <> count_days_observed
    or count_users <> count_monthly_active_users
    or (count_monthly_active_users > 0 and abs(sum_of_shares - 1) > 1e-9)
