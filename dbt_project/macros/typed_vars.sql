{#
    The project's vars, checked where the SQL reads them: every `var(...)` of the models,
    macros and data tests goes through these macros, so a `dbt build --vars ...` run by hand
    gets a compiler error naming the var and value, never SQL pasted from a var. Values reach
    the SQL only as a validated integer or a quoted string literal.

    var_specs() is what each var accepts; usage_analytics/dbt_vars.py (VAR_SPECS) checks the
    same before `usage-analytics` runs anything, and a unit test keeps the two in step.
#}
{% macro var_specs() -%}
    {{ return({
        'session_timeout_minutes': {'kind': 'integer', 'min': 1, 'max': 1440},
        'max_session_hours': {'kind': 'integer', 'min': 1, 'max': 720},
        'reporting_timezone': {'kind': 'timezone'},
        'signup_event': {'kind': 'event_name'},
        'inactive_after_days': {'kind': 'integer', 'min': 1, 'max': 3650},
        'activity_segment_power_days': {'kind': 'integer', 'min': 1, 'max': 28},
        'activity_segment_core_days': {'kind': 'integer', 'min': 1, 'max': 28},
        'path_top_n': {'kind': 'integer', 'min': 1, 'max': 100},
        'lookback_days': {'kind': 'integer', 'min': 0, 'max': 3650},
        'experiment_cuped_days': {'kind': 'integer', 'min': 0, 'max': 365},
        'reporting_currency': {'kind': 'currency'},
        'unit_test_landed_after': {'kind': 'timestamp'},
    }) }}
{%- endmacro %}

{#
    The checked value of var `name`: an int for an integer var, else the string. Raises a
    compiler error for a value the var's spec does not accept.
#}
{% macro checked_var(name) -%}
    {%- set spec = var_specs()[name] -%}
    {%- set value = var(name) -%}
    {%- set text = value | string | trim -%}
    {%- set patterns = {
        'integer': '[+-]?[0-9]{1,12}',
        'timezone': '[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}',
        'event_name': '[^\\W_]+(_[^\\W_]+)*',
        'currency': '[A-Z]{3}',
        'timestamp': '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?)?',
    } -%}
    {%- set accepted = value is not boolean and modules.re.fullmatch(patterns[spec.kind], text)
        and (spec.kind != 'event_name' or text == text | lower) -%}
    {%- if accepted and spec.kind == 'integer' -%}
        {%- set accepted = spec.min <= (text | int) <= spec.max -%}
    {%- endif -%}
    {%- if not accepted -%}
        {%- set rules = {
            'integer': 'an integer from ' ~ spec.min ~ ' to ' ~ spec.max,
            'timezone': 'an IANA time zone such as UTC or Europe/Berlin',
            'event_name': 'a normalized (snake_case) event name of the tracking plan',
            'currency': 'a three-letter currency code of the exchange rates (e.g. USD)',
            'timestamp': 'a timestamp YYYY-MM-DD[ HH:MM[:SS]]',
        } -%}
        {{ exceptions.raise_compiler_error(
            'var ' ~ name ~ '=' ~ (text | replace('\n', ' ')) ~ ' is not accepted: expected '
            ~ rules[spec.kind]
        ) }}
    {%- endif -%}
    {{ return(text | int if spec.kind == 'integer' else text) }}
{%- endmacro %}

{# The checked integer of var `name`, as a number (render it, or compute with it). #}
{% macro int_var(name) -%}
    {%- if var_specs()[name].kind != 'integer' -%}
        {{ exceptions.raise_compiler_error('var ' ~ name ~ ' is not an integer var') }}
    {%- endif -%}
    {{ return(checked_var(name)) }}
{%- endmacro %}

{#
    The checked value of var `name` as a SQL literal: a quoted string (a time zone, an event
    name, a currency), or a timestamp cast for a timestamp var.
#}
{% macro literal_var(name) -%}
    {%- set value = checked_var(name) -%}
    {%- if var_specs()[name].kind == 'timestamp' -%}
        {{ return('cast(' ~ string_literal(value) ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
    {%- endif -%}
    {{ return(string_literal(value)) }}
{%- endmacro %}

{# `value` as a quoted SQL string literal, its single quotes doubled. #}
{% macro string_literal(value) -%}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}
