{#
    dbt.split_part on Spark: dbt-spark's version splits on a regular expression and needs the
    part number at compile time; Spark 3.3+ has split_part itself, with a literal delimiter and
    '' past the last part, as DuckDB's. The project's dispatch config (dbt_project.yml) puts
    this first.
#}
{% macro spark__split_part(string_text, delimiter_text, part_number) -%}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}
