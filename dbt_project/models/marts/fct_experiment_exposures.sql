{#
    One row per experiment × user exposed to it within its dates (CONTRACT §7): the variation
    and time of the user's first exposure, and whether the user is excluded from the readout
    (`multiple_variations`: exposed to two or more). Exposures that assign nobody (outside
    the dates, an unknown experiment or variation) are counted in audit_experiment_exposures.
#}
with

assignments as (

    select * from {{ ref('int_experiment_assignments') }}

)

select
    {{ dbt.hash(dbt.concat(['experiment_id', "'|'", 'user_key'])) }} as experiment_user_key,
    experiment_id,
    user_key,
    variation_id,
    first_exposed_at,
    count_exposures,
    is_excluded,
    exclusion_reason

from assignments
