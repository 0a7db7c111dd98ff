{#
    One row per experiment × variation listed in the seed's `variation_weights`
    (`control:0.5|b:0.5`), with its share of users normalized to sum to 1 over the experiment.
    An experiment without weights has no rows here: its variations are the ones its exposures
    show, in equal shares (int_experiment_variation_metrics).
#}
with

experiment_definitions as (

    select * from {{ ref('experiment_definitions') }}

),

{# at most this many variations per experiment are read from variation_weights #}
{%- set max_variations = 20 %}

variation_positions as (

    {% for position in range(1, max_variations + 1) -%}
    select {{ position }} as variation_position
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

weight_items as (

    select
        experiment_definitions.experiment_id,
        variation_positions.variation_position,
        trim({{ dbt.split_part(
            'experiment_definitions.variation_weights', "'|'", 'variation_positions.variation_position'
        ) }}) as weight_item

    from experiment_definitions

    cross join variation_positions

    where experiment_definitions.variation_weights is not null

),

declared_weights as (

    select
        experiment_id,
        variation_position,
        trim({{ dbt.split_part('weight_item', "':'", 1) }}) as variation_id,
        {{ dbt.safe_cast(dbt.split_part('weight_item', "':'", 2), 'double') }} as declared_weight

    from weight_items

    where weight_item <> ''

)

select
    experiment_id,
    variation_id,
    variation_position,
    declared_weight,
    declared_weight / sum(declared_weight) over (partition by experiment_id) as variation_weight

from declared_weights
