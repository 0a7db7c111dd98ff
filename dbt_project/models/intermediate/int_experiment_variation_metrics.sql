{#
    One row per experiment × metric × variation: the sufficient statistics of the per-user
    values (int_experiment_user_metrics) that GrowthBook's statistics take: users, sum, sum
    of squares, and for CUPED the same of the pre-exposure values and the sum of the
    products. Every declared variation has a row (0 users when none was assigned to it), and
    so does every variation seen in the exposures of an experiment without declared weights,
    which then each expect an equal share.
#}
with

user_metrics as (

    select * from {{ ref('int_experiment_user_metrics') }}

),

experiment_definitions as (

    select * from {{ ref('experiment_definitions') }}

),

experiment_metrics as (

    select * from {{ ref('experiment_metrics') }}

),

declared_variations as (

    select
        experiment_id,
        variation_id,
        variation_weight

    from {{ ref('int_experiment_declared_variations') }}

),

assigned_variations as (

    select distinct
        experiment_id,
        variation_id

    from {{ ref('int_experiment_assignments') }}

    where not is_excluded

),

seen_variations as (

    {# experiments without declared weights: the variations assigned, in equal shares #}
    select
        assigned_variations.experiment_id,
        assigned_variations.variation_id,
        cast(1 as double) / count(*) over (partition by assigned_variations.experiment_id)
            as variation_weight

    from assigned_variations

    where assigned_variations.experiment_id not in (
            select declared_variations.experiment_id from declared_variations
        )

),

variations as (

    select
        experiment_id,
        variation_id,
        variation_weight

    from declared_variations

    union all

    select
        experiment_id,
        variation_id,
        variation_weight

    from seen_variations

),

variation_sums as (

    select
        experiment_id,
        metric_name,
        variation_id,
        count(*) as count_users,
        sum(metric_value) as metric_sum,
        sum(metric_value * metric_value) as metric_sum_squares,
        sum(pre_value) as pre_sum,
        sum(pre_value * pre_value) as pre_sum_squares,
        sum(metric_value * pre_value) as pre_post_sum_products,
        sum(count_invalid_values) as count_invalid_values

    from user_metrics

    group by 1, 2, 3

)

select
    variations.experiment_id,
    experiment_metrics.metric_name,
    experiment_metrics.metric_type,
    experiment_metrics.role,
    variations.variation_id,
    variations.variation_id = experiment_definitions.control_variation_id as is_control,
    variations.variation_weight,
    coalesce(variation_sums.count_users, 0) as count_users,
    coalesce(variation_sums.metric_sum, 0) as metric_sum,
    coalesce(variation_sums.metric_sum_squares, 0) as metric_sum_squares,
    coalesce(variation_sums.count_users, 0) as pre_count_users,
    coalesce(variation_sums.pre_sum, 0) as pre_sum,
    coalesce(variation_sums.pre_sum_squares, 0) as pre_sum_squares,
    coalesce(variation_sums.pre_post_sum_products, 0) as pre_post_sum_products,
    coalesce(variation_sums.count_invalid_values, 0) as count_invalid_values

from variations

inner join experiment_definitions
    on variations.experiment_id = experiment_definitions.experiment_id

inner join experiment_metrics
    on variations.experiment_id = experiment_metrics.experiment_id

left join variation_sums
    on variations.experiment_id = variation_sums.experiment_id
    and experiment_metrics.metric_name = variation_sums.metric_name
    and variations.variation_id = variation_sums.variation_id
