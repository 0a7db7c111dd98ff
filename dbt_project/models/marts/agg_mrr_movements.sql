{#
    The MRR bridge, one row per reporting month (in `reporting_timezone`) from the warehouse's
    first to its last month: MRR at the end of the month before (`opening_mrr`), the
    movements of the month by kind, and MRR at its end (`closing_mrr`), with the customers
    behind each (rules in int_mrr_user_months and docs/revenue.md). Contraction and churn
    are negative amounts, so opening_mrr + new_mrr + expansion_mrr + contraction_mrr +
    churned_mrr + reactivation_mrr = closing_mrr (a data test). The last month has not ended:
    its closing MRR is MRR at the warehouse's last event (`is_month_complete` false).
#}
with

user_months as (

    select * from {{ ref('int_mrr_user_months') }}

),

months as (

    select distinct month_start from {{ ref('int_dates_spined') }}

),

warehouse_periods as (

    select * from {{ ref('int_warehouse_periods') }}

),

month_movements as (

    select
        month_start,
        sum(previous_mrr) as opening_mrr,
        sum(case when mrr_movement = 'new' then mrr_change else 0 end) as new_mrr,
        sum(case when mrr_movement = 'expansion' then mrr_change else 0 end) as expansion_mrr,
        sum(case when mrr_movement = 'contraction' then mrr_change else 0 end)
            as contraction_mrr,
        sum(case when mrr_movement = 'churned' then mrr_change else 0 end) as churned_mrr,
        sum(case when mrr_movement = 'reactivation' then mrr_change else 0 end)
            as reactivation_mrr,
        sum(mrr) as closing_mrr,
        count(case when previous_mrr > 0 then 1 end) as count_customers_opening,
        count(case when mrr_movement = 'new' then 1 end) as count_new_customers,
        count(case when mrr_movement = 'expansion' then 1 end) as count_expansion_customers,
        count(case when mrr_movement = 'contraction' then 1 end) as count_contraction_customers,
        count(case when mrr_movement = 'churned' then 1 end) as count_churned_customers,
        count(case when mrr_movement = 'reactivation' then 1 end) as count_reactivated_customers,
        count(case when mrr > 0 then 1 end) as count_customers_closing

    from user_months

    group by 1

),

months_counted as (

    {{ zero_filled(
        'months', ['month_start'],
        {'month_movements': [
            'opening_mrr', 'new_mrr', 'expansion_mrr', 'contraction_mrr', 'churned_mrr',
            'reactivation_mrr', 'closing_mrr', 'count_customers_opening', 'count_new_customers',
            'count_expansion_customers', 'count_contraction_customers',
            'count_churned_customers', 'count_reactivated_customers', 'count_customers_closing',
        ]},
    ) }}

)

select
    months_counted.month_start,
    cast(months_counted.opening_mrr as double) as opening_mrr,
    cast(months_counted.new_mrr as double) as new_mrr,
    cast(months_counted.expansion_mrr as double) as expansion_mrr,
    cast(months_counted.contraction_mrr as double) as contraction_mrr,
    cast(months_counted.churned_mrr as double) as churned_mrr,
    cast(months_counted.reactivation_mrr as double) as reactivation_mrr,
    cast(months_counted.closing_mrr as double) as closing_mrr,
    cast(months_counted.closing_mrr - months_counted.opening_mrr as double) as net_new_mrr,
    cast(months_counted.count_customers_opening as {{ dbt.type_bigint() }})
        as count_customers_opening,
    cast(months_counted.count_new_customers as {{ dbt.type_bigint() }}) as count_new_customers,
    cast(months_counted.count_expansion_customers as {{ dbt.type_bigint() }})
        as count_expansion_customers,
    cast(months_counted.count_contraction_customers as {{ dbt.type_bigint() }})
        as count_contraction_customers,
    cast(months_counted.count_churned_customers as {{ dbt.type_bigint() }})
        as count_churned_customers,
    cast(months_counted.count_reactivated_customers as {{ dbt.type_bigint() }})
        as count_reactivated_customers,
    cast(months_counted.count_customers_closing as {{ dbt.type_bigint() }})
        as count_customers_closing,
    months_counted.month_start < warehouse_periods.last_month_start as is_month_complete

from months_counted

cross join warehouse_periods
