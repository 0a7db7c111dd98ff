{#
    agg_feature_adoption: adopters to date never fall and equal the running sum of new
    adopters; new adopters used the feature that week (new <= weekly users); adopters to date
    are part of the active base (<= users active to date), and the base never falls.
    Returns the offending rows.
#}
with

feature_adoption as (

    select * from {{ ref('agg_feature_adoption') }}

),

feature_adoption_with_previous as (

    select
        feature_name,
        week_start,
        count_new_adopters,
        count_adopters_to_date,
        count_active_users,
        count_active_users_to_date,
        lag(count_adopters_to_date) over (
            partition by feature_name order by week_start
        ) as previous_adopters_to_date,
        lag(count_active_users_to_date) over (
            partition by feature_name order by week_start
        ) as previous_active_users_to_date,
        sum(count_new_adopters) over (
            partition by feature_name
            order by week_start
            rows between unbounded preceding and current row
        ) as running_new_adopters

    from feature_adoption

)

select *

from feature_adoption_with_previous

where count_adopters_to_date < previous_adopters_to_date
    or count_active_users_to_date < previous_active_users_to_date
    or count_adopters_to_date <> running_new_adopters
    or count_new_adopters > count_active_users
    or count_adopters_to_date > count_active_users_to_date
