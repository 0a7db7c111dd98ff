{#
    dbt.dateadd and dbt.datediff on Spark, as DuckDB computes them. dbt-spark's versions go
    through unix seconds and `to_timestamp(number)`, which drops the fraction of a second and
    returns null for the zone-less timestamps this project uses (TIMESTAMP_NTZ, as DuckDB's
    TIMESTAMP), and count weeks from Sunday. Here dateadd is Spark's timestampadd, and datediff
    counts the boundaries crossed, as DuckDB's date_diff: whole seconds (minutes, hours) of
    the clock, calendar days, Monday-based weeks, calendar months, as bigint; a date is added to as a
    timestamp (`timestamp` is TIMESTAMP_NTZ under the profile). The project's dispatch
    config (dbt_project.yml) puts these first.
#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, cast({{ from_date_or_timestamp }} as timestamp))
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set seconds = {'second': 1, 'minute': 60, 'hour': 3600} -%}
    {%- if datepart in seconds -%}
        cast(
            floor(to_unix_timestamp({{ second_date }}) / {{ seconds[datepart] }})
            - floor(to_unix_timestamp({{ first_date }}) / {{ seconds[datepart] }})
            as bigint
        )
    {%- elif datepart == 'day' -%}
        cast(datediff(cast({{ second_date }} as date), cast({{ first_date }} as date)) as bigint)
    {%- elif datepart == 'week' -%}
        cast(datediff(
            cast(date_trunc('week', {{ second_date }}) as date),
            cast(date_trunc('week', {{ first_date }}) as date)
        ) / 7 as bigint)
    {%- elif datepart == 'month' -%}
        cast(
            (year({{ second_date }}) * 12 + month({{ second_date }}))
            - (year({{ first_date }}) * 12 + month({{ first_date }}))
            as bigint
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff in " ~ datepart ~ " is not ported to Spark") }}
    {%- endif -%}
{%- endmacro %}
