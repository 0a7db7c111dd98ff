{#
    How far the incremental model being built has already processed the landed events: the
    latest landing time (`loaded_at`, raw.load_manifest.landed_at) among its own rows, or a
    time before any landing when it is empty. Copies landed strictly after it are new to the
    model. A landing whose every copy lost deduplication leaves no row behind, so it is seen
    again next run: rework, never a miss. Assumes the landing clock does not go backwards.
#}
{% macro incremental_watermark(column='loaded_at') -%}
    (
        select coalesce(
            max({{ column }}), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
        )
        from {{ this }}
    )
{%- endmacro %}
