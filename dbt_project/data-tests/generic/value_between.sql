{#
    Generic test: every non-null value of the column lies in [min_value, max_value]
    (inclusive). Returns the rows that don't. (dbt_utils' accepted_range is not available.)
#}
{% test value_between(model, column_name, min_value, max_value) %}

select *

from {{ model }}

where {{ column_name }} < {{ min_value }}
    or {{ column_name }} > {{ max_value }}

{% endtest %}
