{#
    One row per experiment × user with an assignable exposure (int_experiment_exposure_events):
    the variation of the user's first such exposure and its time. A user whose assignable
    exposures show two or more variations is excluded (`multiple_variations`): which variation
    they saw is ambiguous, so they count in no variation's results.
#}
with

assignable_exposures as (

    select
        experiment_id,
        user_key,
        variation_id,
        event_at,
        event_id

    from {{ ref('int_experiment_exposure_events') }}

    where exposure_status = 'assignable'

),

exposures_ranked as (

    select
        experiment_id,
        user_key,
        variation_id,
        event_at,
        row_number() over (
            partition by experiment_id, user_key order by event_at, event_id
        ) as exposure_rank

    from assignable_exposures

),

users_exposed as (

    select
        experiment_id,
        user_key,
        count(distinct variation_id) as count_variations,
        count(*) as count_exposures

    from assignable_exposures

    group by 1, 2

)

select
    exposures_ranked.experiment_id,
    exposures_ranked.user_key,
    exposures_ranked.variation_id,
    exposures_ranked.event_at as first_exposed_at,
    users_exposed.count_exposures,
    users_exposed.count_variations,
    users_exposed.count_variations > 1 as is_excluded,
    case when users_exposed.count_variations > 1 then 'multiple_variations' end
        as exclusion_reason

from exposures_ranked

inner join users_exposed
    on exposures_ranked.experiment_id = users_exposed.experiment_id
    and exposures_ranked.user_key = users_exposed.user_key

where exposures_ranked.exposure_rank = 1
