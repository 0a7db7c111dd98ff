{# The grain of agg_funnel_conversion_by_segment: funnel × step × segment name × value. #}
select
    funnel_name,
    step_number,
    segment_name,
    segment_value,
    count(*) as count_rows

from {{ ref('agg_funnel_conversion_by_segment') }}

group by 1, 2, 3, 4

having count(*) > 1
