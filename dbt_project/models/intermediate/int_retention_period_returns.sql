{#
    How many members of each cohort returned in each period number, overall (segment 'all')
    and per segment value. Per segment, returns are counted per segment signature first
    (int_user_segments_numbered) and the signatures' counts summed per segment value.
#}
with

member_returns as (

    select * from {{ ref('int_retention_member_returns') }}

),

user_segments_numbered as (

    select * from {{ ref('int_user_segments_numbered') }}

),

user_signatures as (

    select distinct
        user_key,
        segment_signature

    from user_segments_numbered

),

signature_segments as (

    select distinct
        segment_signature,
        segment_number

    from user_segments_numbered

),

segments_numbered as (

    select distinct
        segment_number,
        segment_name,
        segment_value

    from user_segments_numbered

),

returns_by_signature as (

    select
        user_signatures.segment_signature,
        member_returns.retention_name,
        member_returns.cohort_start,
        member_returns.period_number,
        count(*) as count_members

    from member_returns

    inner join user_signatures
        on member_returns.user_key = user_signatures.user_key

    group by 1, 2, 3, 4

),

returns_by_segment_number as (

    select
        signature_segments.segment_number,
        returns_by_signature.retention_name,
        returns_by_signature.cohort_start,
        returns_by_signature.period_number,
        sum(returns_by_signature.count_members) as count_members

    from returns_by_signature

    inner join signature_segments
        on returns_by_signature.segment_signature = signature_segments.segment_signature

    group by 1, 2, 3, 4

),

period_returns as (

    select
        'all' as segment_name,
        'all' as segment_value,
        retention_name,
        cohort_start,
        period_number,
        count(*) as count_returned_on

    from member_returns

    group by 1, 2, 3, 4, 5

    union all

    select
        segments_numbered.segment_name,
        segments_numbered.segment_value,
        returns_by_segment_number.retention_name,
        returns_by_segment_number.cohort_start,
        returns_by_segment_number.period_number,
        cast(returns_by_segment_number.count_members as {{ dbt.type_bigint() }})
            as count_returned_on

    from returns_by_segment_number

    inner join segments_numbered
        on returns_by_segment_number.segment_number = segments_numbered.segment_number

)

select * from period_returns
