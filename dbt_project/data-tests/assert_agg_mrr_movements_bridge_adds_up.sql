{#
    The MRR bridge adds up, in amounts and in customers: opening + new + expansion +
    contraction + churned + reactivation = closing; a month opens where the month before it
    closed (the first month opens at 0); opening customers + new + reactivated - churned =
    closing customers. Returns the months that don't (amounts within half a cent).
#}
with

movements as (

    select
        *,
        lag(closing_mrr) over (order by month_start) as previous_closing_mrr,
        lag(count_customers_closing) over (order by month_start)
            as previous_count_customers_closing

    from {{ ref('agg_mrr_movements') }}

)

select
    month_start,
    opening_mrr,
    closing_mrr,
    previous_closing_mrr

from movements

where abs(
        opening_mrr + new_mrr + expansion_mrr + contraction_mrr + churned_mrr + reactivation_mrr
        - closing_mrr
    ) > 0.005
    or abs(opening_mrr - coalesce(previous_closing_mrr, 0)) > 0.005
    or count_customers_opening <> coalesce(previous_count_customers_closing, 0)
    or count_customers_opening + count_new_customers + count_reactivated_customers
    - count_churned_customers <> count_customers_closing
    or new_mrr < 0 or expansion_mrr < 0 or reactivation_mrr < 0
    or contraction_mrr > 0 or churned_mrr > 0
