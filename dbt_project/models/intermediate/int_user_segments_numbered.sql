{#
    int_user_segments with two small integers, so that millions of rows are grouped and
    joined on integers: `segment_number`, one per segment value, and `segment_signature`, one
    per combination of values: users with the same value in every segment dimension share
    it. Counting per signature and then per segment value gives per-segment counts without
    repeating every row once per segment (int_retention_period_returns).
#}
with

user_segments as (

    select * from {{ ref('int_user_segments') }}

),

user_signature_texts as (

    {# the length prefix keeps two different combinations of values from reading alike #}
    select
        user_key,
        {{ dbt.listagg(
            dbt.concat([
                'segment_name', "'='",
                dbt.safe_cast(dbt.length('segment_value'), dbt.type_string()), "':'",
                'segment_value',
            ]),
            "'|'",
            'order by segment_name',
        ) }} as segment_signature_text

    from user_segments

    group by 1

),

user_signatures as (

    select
        user_key,
        dense_rank() over (order by segment_signature_text) as segment_signature

    from user_signature_texts

),

segments_numbered as (

    select
        segment_name,
        segment_value,
        dense_rank() over (order by segment_name, segment_value) as segment_number

    from (
        select distinct
            segment_name,
            segment_value
        from user_segments
    ) as segment_values

),

user_segments_numbered as (

    select
        user_segments.user_key,
        user_segments.segment_name,
        user_segments.segment_value,
        segments_numbered.segment_number,
        user_signatures.segment_signature

    from user_segments

    inner join user_signatures
        on user_segments.user_key = user_signatures.user_key

    inner join segments_numbered
        on user_segments.segment_name = segments_numbered.segment_name
        and user_segments.segment_value = segments_numbered.segment_value

)

select * from user_segments_numbered
