{#
    Retention of every definition in seeds/retention_definitions.csv over all users: the
    'all' segment of int_retention_segmented (rules in that model's header).
#}
with

retention_segmented as (

    select * from {{ ref('int_retention_segmented') }}

)

select
    retention_period_key,
    {{ retention_columns() }}

from retention_segmented

where segment_name = 'all'
