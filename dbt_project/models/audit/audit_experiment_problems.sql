{#
    One row per problem of an experiment, for the run summary (a warning) and the people who
    own the experiment. `is_blocking`: a definition problem (int_experiment_definition_problems)
    that keeps the experiment out of agg_experiment_results. The others are reported with
    its readout: `no_exposures` (nobody assigned, though events arrived after its start),
    `control_absent` (no user in the control), `sample_ratio_mismatch` (GrowthBook's SRM check, p < 0.001: the assignment is broken and
    the readout not to be trusted), `invalid_metric_values` (a `sum` metric's property that
    is not a number, left out of the sum).
#}
with

definition_problems as (

    select * from {{ ref('int_experiment_definition_problems') }}

),

experiment_definitions as (

    select * from {{ ref('experiment_definitions') }}

),

statistics as (

    select * from {{ ref('int_experiment_statistics') }}

),

warehouse_periods as (

    select last_event_at from {{ ref('int_warehouse_periods') }}

),

assignments as (

    select
        experiment_id,
        count(*) as count_users

    from {{ ref('int_experiment_assignments') }}

    where not is_excluded

    group by 1

),

readout_problems as (

    select
        experiment_definitions.experiment_id,
        cast(null as {{ dbt.type_string() }}) as metric_name,
        'no_exposures' as problem,
        cast(null as {{ dbt.type_string() }}) as detail

    from experiment_definitions

    cross join warehouse_periods

    left join assignments
        on experiment_definitions.experiment_id = assignments.experiment_id

    where
        assignments.experiment_id is null
        -- an experiment the events do not reach yet has no exposures to miss
        and experiment_definitions.starts_at <= warehouse_periods.last_event_at

    union all

    select distinct
        experiment_id,
        cast(null as {{ dbt.type_string() }}) as metric_name,
        'control_absent' as problem,
        variation_id as detail

    from statistics

    where is_control and count_users = 0
        and experiment_id in (select assignments.experiment_id from assignments)

    union all

    select distinct
        experiment_id,
        cast(null as {{ dbt.type_string() }}) as metric_name,
        'sample_ratio_mismatch' as problem,
        cast(srm_p_value as {{ dbt.type_string() }}) as detail

    from statistics

    where is_srm

    union all

    select
        experiment_id,
        metric_name,
        'invalid_metric_values' as problem,
        cast(sum(count_invalid_values) as {{ dbt.type_string() }}) as detail

    from {{ ref('int_experiment_variation_metrics') }}

    where count_invalid_values > 0

    group by 1, 2

)

select
    experiment_id,
    metric_name,
    problem,
    detail,
    true as is_blocking

from definition_problems

union all

select
    experiment_id,
    metric_name,
    problem,
    detail,
    false as is_blocking

from readout_problems
