{#
    The calendar (in `reporting_timezone`) from the first to the last event date, every day
    present, so that the activity marts can zero-fill days and weeks without events. The day
    offsets come from a numbers table built by cross joins of the digits 0-9 (five digits:
    up to 100,000 days), which every engine runs, rather than an engine's own
    generate_series/range.
#}
with

user_event_days as (

    {# reporting days are computed there once per event; here they are only compared #}
    select * from {{ ref('int_user_event_days') }}

),

event_date_bounds as (

    select
        min(event_date) as first_event_date,
        max(event_date) as last_event_date

    from user_event_days

),

digits as (

    select 0 as digit
    union all
    select 1 as digit
    union all
    select 2 as digit
    union all
    select 3 as digit
    union all
    select 4 as digit
    union all
    select 5 as digit
    union all
    select 6 as digit
    union all
    select 7 as digit
    union all
    select 8 as digit
    union all
    select 9 as digit

),

day_offsets as (

    select
        ones.digit
        + tens.digit * 10
        + hundreds.digit * 100
        + thousands.digit * 1000
        + ten_thousands.digit * 10000 as day_offset

    from digits as ones

    cross join digits as tens

    cross join digits as hundreds

    cross join digits as thousands

    cross join digits as ten_thousands

),

dates_spined as (

    select
        cast(
            {{ dbt.dateadd('day', 'day_offsets.day_offset', 'event_date_bounds.first_event_date') }}
            as date
        ) as date_day

    from event_date_bounds

    inner join day_offsets
        on day_offsets.day_offset <= {{ dbt.datediff(
            'event_date_bounds.first_event_date', 'event_date_bounds.last_event_date', 'day'
        ) }}

),

dates as (

    select
        date_day,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start

    from dates_spined

)

select * from dates
