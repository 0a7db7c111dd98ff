{#
    The conversion window is repeated on every step of a funnel and must be the same on all of
    them (value and unit; empty counts as a value). Returns the funnels with more than one.
#}
select
    funnel_name,
    count(distinct
        coalesce(cast(conversion_window_value as {{ dbt.type_string() }}), '(empty)')
        || ' ' || coalesce(conversion_window_unit, '(empty)')
    ) as count_distinct_windows

from {{ ref('funnel_definitions') }}

group by 1

having count(distinct
    coalesce(cast(conversion_window_value as {{ dbt.type_string() }}), '(empty)')
    || ' ' || coalesce(conversion_window_unit, '(empty)')
) > 1
