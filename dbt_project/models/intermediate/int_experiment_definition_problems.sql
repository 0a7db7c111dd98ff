{#
    One row per problem of the experiment seeds that makes an experiment's readout wrong (a
    metric of an event the tracking plan lacks, a control not among the declared variations,
    an unreadable weight, a metric named twice, a `sum` metric without value_property, an end
    before the start), or a metric of an experiment that is not defined. An experiment with
    such a problem is left out of agg_experiment_results (the other experiments and every
    other mart are published); audit_experiment_problems reports it.
#}
with

experiment_definitions as (

    select * from {{ ref('experiment_definitions') }}

),

experiment_metrics as (

    select * from {{ ref('experiment_metrics') }}

),

tracking_plan as (

    select event_name from {{ ref('tracking_plan') }}

),

declared_variations as (

    select * from {{ ref('int_experiment_declared_variations') }}

),

metric_problems as (

    select
        experiment_metrics.experiment_id,
        experiment_metrics.metric_name,
        case
            when experiment_definitions.experiment_id is null then 'metric_without_experiment'
            when experiment_metrics.event_name not in (
                    select tracking_plan.event_name from tracking_plan
                )
                then 'unknown_metric_event'
            when experiment_metrics.metric_type = 'sum'
                and experiment_metrics.value_property is null then 'sum_without_value_property'
            when count(*) over (
                    partition by experiment_metrics.experiment_id, experiment_metrics.metric_name
                ) > 1
                then 'duplicate_metric'
        end as problem,
        experiment_metrics.event_name as detail

    from experiment_metrics

    left join experiment_definitions
        on experiment_metrics.experiment_id = experiment_definitions.experiment_id

),

weight_problems as (

    select
        experiment_id,
        cast(null as {{ dbt.type_string() }}) as metric_name,
        'invalid_variation_weight' as problem,
        variation_id as detail

    from declared_variations

    where declared_weight is null or declared_weight <= 0 or variation_id = ''

),

experiment_problems as (

    select
        experiment_definitions.experiment_id,
        cast(null as {{ dbt.type_string() }}) as metric_name,
        case
            when experiment_definitions.ends_at < experiment_definitions.starts_at
                then 'ends_before_start'
            when experiment_definitions.experiment_id in (
                    select declared_variations.experiment_id from declared_variations
                )
                and experiment_definitions.control_variation_id not in (
                    select declared_variations.variation_id
                    from declared_variations
                    where declared_variations.experiment_id = experiment_definitions.experiment_id
                )
                then 'control_not_declared'
        end as problem,
        experiment_definitions.control_variation_id as detail

    from experiment_definitions

),

definition_problems as (

    select
        experiment_id,
        metric_name,
        problem,
        detail

    from metric_problems

    where problem is not null

    union all

    select
        experiment_id,
        metric_name,
        problem,
        detail

    from weight_problems

    union all

    select
        experiment_id,
        metric_name,
        problem,
        detail

    from experiment_problems

    where problem is not null

)

select * from definition_problems
