{#
    One row per experiment × exposure status × variation: how many exposure events and users
    (int_experiment_exposure_events). Every exposure is counted here, also those that assign
    nobody (`before_start`, `after_end`, `unknown_experiment`, `unknown_variation`,
    `missing_variation`), so none is dropped silently.
#}
with

exposure_events as (

    select * from {{ ref('int_experiment_exposure_events') }}

)

select
    coalesce(experiment_id, '(none)') as experiment_id,
    exposure_status,
    coalesce(variation_id, '(none)') as variation_id,
    count(*) as count_exposures,
    count(distinct user_key) as count_users

from exposure_events

group by 1, 2, 3
