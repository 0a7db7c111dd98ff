{#
    One row per feature of the tracking plan (category `feature`), used or not: how many
    users adopted it, when it was first used, and the median time from a user's signup
    (dim_users.signed_up_at) to their first use. Time to first use is measured only for
    adopters who signed up no later than their first use; adopters without a signup, or whose
    first use came before it (anonymous use, later stitched), are counted apart.
#}
with

events as (

    select * from {{ ref('fct_events') }}

),

users as (

    select * from {{ ref('dim_users') }}

),

tracking_plan as (

    select * from {{ ref('tracking_plan') }}

),

features as (

    select event_name as feature_name

    from tracking_plan

    where category = 'feature'

),

feature_adopters as (

    select
        event_name as feature_name,
        user_key,
        min(event_at) as first_used_at

    from events

    where event_category = 'feature'

    group by 1, 2

),

feature_adopters_with_signup as (

    select
        feature_adopters.feature_name,
        feature_adopters.user_key,
        feature_adopters.first_used_at,
        users.signed_up_at,
        case
            when users.signed_up_at <= feature_adopters.first_used_at
                then {{ seconds_between('users.signed_up_at', 'feature_adopters.first_used_at') }}
                    / cast(86400 as double)
        end as days_from_signup_to_first_use

    from feature_adopters

    inner join users
        on feature_adopters.user_key = users.user_key

),

feature_adoption_summarized as (

    select
        feature_name,
        min(first_used_at) as first_used_at,
        count(*) as count_adopters,
        count(days_from_signup_to_first_use) as count_adopters_after_signup,
        sum(case when signed_up_at > first_used_at then 1 else 0 end)
            as count_adopters_before_signup,
        sum(case when signed_up_at is null then 1 else 0 end) as count_adopters_without_signup,
        percentile_cont(0.5) within group (order by days_from_signup_to_first_use)
            as median_days_from_signup_to_first_use

    from feature_adopters_with_signup

    group by 1

),

active_users as (

    select count(distinct user_key) as count_active_users

    from events

    where is_active_event
        or event_category = 'feature'

),

features_counted as (

    {# every feature of the tracking plan, used or not #}
    {{ zero_filled(
        'features', ['feature_name'],
        {'feature_adoption_summarized': [
            'count_adopters', 'count_adopters_after_signup', 'count_adopters_before_signup',
            'count_adopters_without_signup',
        ]},
        carried={'feature_adoption_summarized': [
            'first_used_at', 'median_days_from_signup_to_first_use',
        ]},
    ) }}

),

feature_adoption_summary as (

    select
        features_counted.*,
        active_users.count_active_users

    from features_counted

    cross join active_users

)

select
    feature_name,
    first_used_at,
    cast(count_adopters as {{ dbt.type_bigint() }}) as count_adopters,
    cast(count_active_users as {{ dbt.type_bigint() }}) as count_active_users,
    cast(count_adopters as double) / nullif(count_active_users, 0) as adoption_rate,
    cast(count_adopters_after_signup as {{ dbt.type_bigint() }}) as count_adopters_after_signup,
    cast(count_adopters_before_signup as {{ dbt.type_bigint() }})
        as count_adopters_before_signup,
    cast(count_adopters_without_signup as {{ dbt.type_bigint() }})
        as count_adopters_without_signup,
    cast(median_days_from_signup_to_first_use as double) as median_days_from_signup_to_first_use

from feature_adoption_summary
