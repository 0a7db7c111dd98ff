{#
    agg_funnel_conversion has exactly one row per step defined in funnel_definitions (zero
    users included) and nothing else. Returns the steps missing, extra or repeated.
#}
with

funnel_definitions as (

    select * from {{ ref('funnel_definitions') }}

),

funnel_conversion_rows as (

    select
        funnel_name,
        step_number,
        count(*) as count_rows

    from {{ ref('agg_funnel_conversion') }}

    group by 1, 2

)

select
    coalesce(funnel_definitions.funnel_name, funnel_conversion_rows.funnel_name) as funnel_name,
    coalesce(funnel_definitions.step_number, funnel_conversion_rows.step_number) as step_number,
    funnel_conversion_rows.count_rows

from funnel_definitions

full outer join funnel_conversion_rows
    on funnel_definitions.funnel_name = funnel_conversion_rows.funnel_name
    and funnel_definitions.step_number = funnel_conversion_rows.step_number

where funnel_definitions.funnel_name is null
    or funnel_conversion_rows.funnel_name is null
    or funnel_conversion_rows.count_rows <> 1
