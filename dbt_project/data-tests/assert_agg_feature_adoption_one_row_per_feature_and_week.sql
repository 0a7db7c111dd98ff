{#
    agg_feature_adoption: (feature_name, week_start) is unique and each feature's weeks follow
    each other 7 days apart with no gap. Returns the offending rows.
#}
with

feature_adoption as (

    select * from {{ ref('agg_feature_adoption') }}

),

feature_weeks_numbered as (

    select
        feature_name,
        week_start,
        count(*) over (partition by feature_name, week_start) as count_rows_of_week,
        lag(week_start) over (partition by feature_name order by week_start) as previous_week

    from feature_adoption

)

select *

from feature_weeks_numbered

where count_rows_of_week > 1
    or (
        previous_week is not null
        and {{ dbt.datediff('previous_week', 'week_start', 'day') }} <> 7
    )
