{#
    A window is a non-negative value with a unit, or both columns empty (no window).
    Returns the rows that are neither.
#}
select
    funnel_name,
    step_number,
    conversion_window_value,
    conversion_window_unit

from {{ ref('funnel_definitions') }}

where conversion_window_value < 0
    or (conversion_window_value is null and conversion_window_unit is not null)
    or (conversion_window_value is not null and conversion_window_unit is null)
