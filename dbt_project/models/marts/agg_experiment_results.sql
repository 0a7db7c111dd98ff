{#
    One row per experiment × metric × variation (CONTRACT §7): users, sum, sum of squares,
    mean and standard deviation; against the control (null on the control's rows) the
    relative lift, its 95 % interval and two-sided p-value, the Bayesian chance to win and
    risk, the same with CUPED; the experiment's sample-ratio-mismatch p-value and flag.
    GrowthBook's default statistics (int_experiment_statistics). Experiments whose
    definition has a problem (int_experiment_definition_problems) are left out.
#}
with

statistics as (

    select * from {{ ref('int_experiment_statistics') }}

),

definition_problems as (

    select distinct experiment_id from {{ ref('int_experiment_definition_problems') }}

)

select
    {{ dbt.hash(dbt.concat([
        'statistics.experiment_id', "'|'", 'statistics.metric_name', "'|'",
        'statistics.variation_id'
    ])) }} as experiment_metric_variation_key,
    statistics.experiment_id,
    statistics.metric_name,
    statistics.metric_type,
    statistics.role,
    statistics.variation_id,
    statistics.is_control,
    statistics.variation_weight,
    statistics.count_users,
    statistics.metric_sum,
    statistics.metric_sum_squares,
    statistics.metric_mean,
    statistics.metric_stddev,
    statistics.relative_lift,
    statistics.lift_ci_lower,
    statistics.lift_ci_upper,
    statistics.p_value,
    statistics.chance_to_win,
    statistics.risk_control,
    statistics.risk_treatment,
    statistics.cuped_relative_lift,
    statistics.cuped_lift_ci_lower,
    statistics.cuped_lift_ci_upper,
    statistics.cuped_p_value,
    statistics.cuped_chance_to_win,
    statistics.srm_p_value,
    statistics.is_srm,
    statistics.is_significant,
    statistics.is_guardrail_failing

from statistics

where statistics.experiment_id not in (
        select definition_problems.experiment_id from definition_problems
    )
