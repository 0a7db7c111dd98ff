{#
    The revenue measures of a group of int_revenue_payments rows, as a select list (commas
    between, none after the last): count_orders, revenue, count_paying_users (orders and
    subscription payments), count_refunds, refunds (amounts in the reporting currency, exact
    decimals). agg_revenue_daily sums a day, agg_revenue_daily_by_segment a day and segment.
#}
{% macro revenue_sums() -%}
    count(case when revenue_kind <> 'refund' then 1 end) as count_orders,
    sum(case when revenue_kind <> 'refund' then amount_reporting else 0 end) as revenue,
    count(distinct case when revenue_kind <> 'refund' then user_key end) as count_paying_users,
    count(case when revenue_kind = 'refund' then 1 end) as count_refunds,
    sum(case when revenue_kind = 'refund' then amount_reporting else 0 end) as refunds
{%- endmacro %}

{#
    The revenue columns of a mart row after its key, from revenue_sums and
    `count_active_users`, typed, with the ratios (null over a zero denominator): count_orders,
    revenue, count_paying_users, average_order_value, count_active_users,
    revenue_per_active_user, revenue_per_paying_user, count_refunds, refunds, net_revenue.
#}
{% macro revenue_columns() -%}
    cast(count_orders as {{ dbt.type_bigint() }}) as count_orders,
    cast(revenue as double) as revenue,
    cast(count_paying_users as {{ dbt.type_bigint() }}) as count_paying_users,
    cast(revenue as double) / nullif(count_orders, 0) as average_order_value,
    cast(count_active_users as {{ dbt.type_bigint() }}) as count_active_users,
    cast(revenue as double) / nullif(count_active_users, 0) as revenue_per_active_user,
    cast(revenue as double) / nullif(count_paying_users, 0) as revenue_per_paying_user,
    cast(count_refunds as {{ dbt.type_bigint() }}) as count_refunds,
    cast(refunds as double) as refunds,
    cast(revenue - refunds as double) as net_revenue
{%- endmacro %}
