{#
    For each segment dimension, the orders, revenue, refunds, paying and active users of its
    values add up to agg_revenue_daily (every user has exactly one value per dimension).
    Returns the days and segment_names that don't (amounts within half a cent).
#}
with

by_segment as (

    select
        revenue_date,
        segment_name,
        sum(count_orders) as count_orders,
        sum(revenue) as revenue,
        sum(count_paying_users) as count_paying_users,
        sum(count_active_users) as count_active_users,
        sum(refunds) as refunds

    from {{ ref('agg_revenue_daily_by_segment') }}

    group by 1, 2

),

overall as (

    select * from {{ ref('agg_revenue_daily') }}

)

select
    by_segment.revenue_date,
    by_segment.segment_name,
    by_segment.revenue as segment_revenue,
    overall.revenue as overall_revenue

from by_segment

left join overall
    on by_segment.revenue_date = overall.revenue_date

where overall.revenue_date is null
    or by_segment.count_orders <> overall.count_orders
    or by_segment.count_paying_users <> overall.count_paying_users
    or by_segment.count_active_users <> overall.count_active_users
    or abs(by_segment.revenue - overall.revenue) > 0.005
    or abs(by_segment.refunds - overall.refunds) > 0.005
