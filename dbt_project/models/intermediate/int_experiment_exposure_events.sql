{#
    One row per exposure event: Segment's `experiment_viewed` (properties `experiment_id` /
    `experimentId`, `variation_id` / `variationId`) or PostHog's `feature_flag_called`
    (`$feature_flag`, `$feature_flag_response`), of the stitched user it belongs to, with
    `exposure_status`: whether it can assign its user (`assignable`) or why not:
    `unknown_experiment` (not in experiment_definitions), `missing_variation`, `before_start`,
    `after_end`, `unknown_variation` (not among the experiment's variation_weights).
#}
with

exposure_events as (

    select
        event_id,
        user_key,
        event_name,
        event_at,
        load_id,
        file_path,
        line_number

    from {{ ref('int_events_sessionized') }}

    where event_name in ('experiment_viewed', 'feature_flag_called')

),

event_copies as (

    select
        load_id,
        file_path,
        line_number,
        properties

    from {{ ref('stg_events__events') }}

    where event_name in ('experiment_viewed', 'feature_flag_called')

),

experiment_definitions as (

    select * from {{ ref('experiment_definitions') }}

),

declared_variations as (

    select * from {{ ref('int_experiment_declared_variations') }}

),

exposure_properties as (

    select
        exposure_events.event_id,
        exposure_events.user_key,
        exposure_events.event_name,
        exposure_events.event_at,
        {{ json_texts('event_copies.properties', [
            'experiment_id', 'experimentId', 'variation_id', 'variationId',
            '"$feature_flag"', '"$feature_flag_response"',
        ]) }} as property_texts

    from exposure_events

    inner join event_copies
        on {{ kept_copy_of('exposure_events', 'event_copies') }}

),

exposures as (

    select
        event_id,
        user_key,
        event_name,
        event_at,
        nullif(trim(case
            when event_name = 'feature_flag_called' then {{ list_item('property_texts', 5) }}
            else
                coalesce(
                    {{ list_item('property_texts', 1) }}, {{ list_item('property_texts', 2) }}
                )
        end), '') as experiment_id,
        nullif(trim(case
            when event_name = 'feature_flag_called' then {{ list_item('property_texts', 6) }}
            else
                coalesce(
                    {{ list_item('property_texts', 3) }}, {{ list_item('property_texts', 4) }}
                )
        end), '') as variation_id

    from exposure_properties

),

experiments_with_weights as (

    select distinct experiment_id from declared_variations

)

select
    exposures.event_id,
    exposures.user_key,
    exposures.event_name,
    exposures.event_at,
    exposures.experiment_id,
    exposures.variation_id,
    case
        when experiment_definitions.experiment_id is null then 'unknown_experiment'
        when exposures.variation_id is null then 'missing_variation'
        when exposures.event_at < experiment_definitions.starts_at then 'before_start'
        when exposures.event_at > experiment_definitions.ends_at then 'after_end'
        when experiments_with_weights.experiment_id is not null
            and declared_variations.variation_id is null then 'unknown_variation'
        else 'assignable'
    end as exposure_status

from exposures

left join experiment_definitions
    on exposures.experiment_id = experiment_definitions.experiment_id

left join experiments_with_weights
    on exposures.experiment_id = experiments_with_weights.experiment_id

left join declared_variations
    on exposures.experiment_id = declared_variations.experiment_id
    and exposures.variation_id = declared_variations.variation_id
