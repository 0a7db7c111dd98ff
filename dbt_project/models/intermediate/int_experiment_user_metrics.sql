{#
    One row per experiment × metric × assigned, not excluded user (int_experiment_assignments):
    the user's metric value from their events at or after the first exposure and at or before
    first exposure + the metric's window (inclusive; no window: until the experiment ends),
    never after the experiment's end. binomial: 1 when at least one `event_name` happened,
    else 0; count: how many; sum: the sum of the numeric property `value_property` (a value
    that is not a number is counted in `count_invalid_values`, not as 0). A user without
    such events has 0.

    `pre_value` is the same metric in the `experiment_cuped_days` days before the first
    exposure (var, default 14; 0 turns it off): the covariate of the CUPED regression
    adjustment (GrowthBook's RegressionAdjustedStatistic).
#}
with

assignments as (

    select
        experiment_id,
        user_key,
        variation_id,
        first_exposed_at

    from {{ ref('int_experiment_assignments') }}

    where not is_excluded

),

experiment_definitions as (

    select * from {{ ref('experiment_definitions') }}

),

experiment_metrics as (

    select
        experiment_id,
        metric_name,
        metric_type,
        event_name,
        value_property,
        {{ window_seconds('window_value', 'window_unit') }} as window_seconds

    from {{ ref('experiment_metrics') }}

),

{%- set cuped_seconds = int_var('experiment_cuped_days') * 86400 %}

{#- the end of the metric's window after the user's first exposure #}
{%- set window_end = dbt.dateadd(
    'second', 'experiment_metrics.window_seconds', 'assignments.first_exposed_at'
) %}

user_metrics as (

    {# every assigned user × every metric of the experiment, with the metric's time span #}
    select
        assignments.experiment_id,
        experiment_metrics.metric_name,
        experiment_metrics.metric_type,
        experiment_metrics.event_name,
        experiment_metrics.value_property,
        assignments.user_key,
        assignments.variation_id,
        assignments.first_exposed_at,
        case
            when experiment_metrics.window_seconds is null then experiment_definitions.ends_at
            when experiment_definitions.ends_at is null then {{ window_end }}
            else least(experiment_definitions.ends_at, {{ window_end }})
        end as counts_until,
        {{ dbt.dateadd('second', -cuped_seconds, 'assignments.first_exposed_at') }}
            as pre_period_from

    from assignments

    inner join experiment_metrics
        on assignments.experiment_id = experiment_metrics.experiment_id

    inner join experiment_definitions
        on assignments.experiment_id = experiment_definitions.experiment_id

),

metric_event_names as (

    select distinct event_name from experiment_metrics

),

metric_events as (

    select
        events.event_id,
        events.user_key,
        events.event_name,
        events.event_at,
        events.load_id,
        events.file_path,
        events.line_number

    from {{ ref('int_events_sessionized') }} as events

    inner join metric_event_names
        on events.event_name = metric_event_names.event_name

),

value_event_copies as (

    {# the properties of the events a sum metric reads a number from #}
    select
        event_copies.load_id,
        event_copies.file_path,
        event_copies.line_number,
        event_copies.properties

    from {{ ref('stg_events__events') }} as event_copies

    where event_copies.event_name in (
            select experiment_metrics.event_name
            from experiment_metrics
            where experiment_metrics.metric_type = 'sum'
        )

),

user_metric_events as (

    select
        user_metrics.experiment_id,
        user_metrics.metric_name,
        user_metrics.user_key,
        metric_events.event_at >= user_metrics.first_exposed_at as is_after_exposure,
        case
            when user_metrics.metric_type = 'sum'
                then {{ json_text_at(
                    'value_event_copies.properties', 'user_metrics.value_property'
                ) }}
        end as value_text

    from user_metrics

    inner join metric_events
        on user_metrics.user_key = metric_events.user_key
        and user_metrics.event_name = metric_events.event_name
        and user_metrics.pre_period_from <= metric_events.event_at
        and (
            user_metrics.counts_until is null
            or user_metrics.counts_until >= metric_events.event_at
        )

    left join value_event_copies
        on {{ kept_copy_of('metric_events', 'value_event_copies') }}

),

{#- a sum metric's property as a number: null when it is not one #}
{%- set value_number = dbt.safe_cast('value_text', 'double') %}

user_metric_values as (

    select
        experiment_id,
        metric_name,
        user_key,
        count(case when is_after_exposure then 1 end) as count_events,
        sum(case when is_after_exposure then {{ value_number }} end) as value_sum,
        count(
            case
                when is_after_exposure and value_text is not null and {{ value_number }} is null
                    then 1
            end
        ) as count_invalid_values,
        count(case when not is_after_exposure then 1 end) as pre_count_events,
        sum(case when not is_after_exposure then {{ value_number }} end) as pre_value_sum

    from user_metric_events

    group by 1, 2, 3

)

select
    user_metrics.experiment_id,
    user_metrics.metric_name,
    user_metrics.metric_type,
    user_metrics.user_key,
    user_metrics.variation_id,
    user_metrics.first_exposed_at,
    cast(case user_metrics.metric_type
        when 'binomial'
            then case when coalesce(metric_values.count_events, 0) > 0 then 1 else 0 end
        when 'count' then coalesce(metric_values.count_events, 0)
        else coalesce(metric_values.value_sum, 0)
    end as double) as metric_value,
    cast(case user_metrics.metric_type
        when 'binomial'
            then case when coalesce(metric_values.pre_count_events, 0) > 0 then 1 else 0 end
        when 'count' then coalesce(metric_values.pre_count_events, 0)
        else coalesce(metric_values.pre_value_sum, 0)
    end as double) as pre_value,
    coalesce(metric_values.count_invalid_values, 0) as count_invalid_values

from user_metrics

left join user_metric_values as metric_values
    on user_metrics.experiment_id = metric_values.experiment_id
    and user_metrics.metric_name = metric_values.metric_name
    and user_metrics.user_key = metric_values.user_key
