{#
    How many members of each cohort did their last return (so far) in each period number,
    overall (segment 'all') and per segment value: the members who returned in period N or
    later are those whose last return is in N or later (int_retention_segmented sums them).
#}
with

member_returns as (

    select * from {{ ref('int_retention_member_returns') }}

),

user_segments as (

    select * from {{ ref('int_user_segments') }}

),

member_last_returns as (

    select
        retention_name,
        cohort_start,
        user_key,
        max(period_number) as period_number

    from member_returns

    group by 1, 2, 3

),

member_last_returns_segmented as (

    {{ segments_expanded(
        'member_last_returns', ['retention_name', 'cohort_start', 'user_key', 'period_number'],
    ) }}

),

last_returns as (

    select
        segment_name,
        segment_value,
        retention_name,
        cohort_start,
        period_number,
        count(*) as count_last_returned

    from member_last_returns_segmented

    group by 1, 2, 3, 4, 5

)

select * from last_returns
