{#
    The conversion window is repeated on every step of a funnel and must be the same on all of
    them (value and unit; empty counts as a value). Returns the funnels with more than one.
#}
with

funnel_step_windows as (

    select
        funnel_name,
        coalesce(cast(conversion_window_value as {{ dbt.type_string() }}), '(empty)')
        || ' ' || coalesce(conversion_window_unit, '(empty)') as conversion_window

    from {{ ref('funnel_definitions') }}

)

select
    funnel_name,
    count(distinct conversion_window) as count_distinct_windows

from funnel_step_windows

group by 1

having count(distinct conversion_window) > 1
