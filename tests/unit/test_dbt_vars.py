"""dbt vars are values, never SQL (issue 17 item 5): every var is checked against its typed
spec before anything runs, and the dbt project checks the same spec where it reads a var."""

import json
import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usage_analytics.dbt_vars import (
    VAR_SPECS,
    VarError,
    dbt_var_defaults,
    dbt_vars_argument,
    effective_vars,
)
from usage_analytics.paths import DBT_PROJECT_DIR

HOSTILE = [
    "x'; select 1; --",
    "(select 1)",
    "1 or 1=1",
    "-5",
    "abc",
    "Mars/Olympus",
    "2024-02-30",
    "read_text('/etc/passwd')",
    "",
    "1e3",
]


def _yaml_mapping(name: str, value: Any) -> str:
    return json.dumps({name: value})  # JSON is YAML: the value arrives exactly as given


@pytest.mark.parametrize("name", sorted(VAR_SPECS))
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_rejected_in_one_line_naming_the_var(name: str, value: str) -> None:
    with pytest.raises(VarError) as raised:
        effective_vars(_yaml_mapping(name, value))
    message = str(raised.value)
    assert "\n" not in message
    assert name in message and "expected" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{session_timeout_minutes: 45}", {"session_timeout_minutes": 45}),
        ("{session_timeout_minutes: '45'}", {"session_timeout_minutes": 45}),
        ("{reporting_timezone: Europe/Berlin}", {"reporting_timezone": "Europe/Berlin"}),
        ("{signup_event: page_view}", {"signup_event": "page_view"}),
        ("{timestamp_floor: 2024-02-29}", {"timestamp_floor": "2024-02-29"}),
        ("{lookback_days: 0}", {"lookback_days": 0}),
        ("{reporting_currency: USD}", {"reporting_currency": "USD"}),
    ],
)
def test_valid_values_reach_dbt_typed(text: str, expected: dict[str, Any]) -> None:
    assert json.loads(dbt_vars_argument(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "{session_timeout_minutes: 0}",
        "{session_timeout_minutes: true}",
        "{session_timeout_minutes: 4.5}",
        "{max_session_hours: [1]}",
        "{reporting_timezone: 'UTC''; drop table x; --'}",
        "{signup_event: Signed Up}",
        "{signup_event: singed_up}",  # normalized form, but not in the tracking plan
        "{activity_segment_core_days: 20}",  # above the power threshold (12)
        "{reporting_currency: EUR}",  # in the exchange rates, but its rate is not 1
        "{reporting_currency: usd}",
        "{reporting_currency: CHF}",  # no rate at all
        "{unknown_var: 1}",
        "[1, 2]",
        "{a: [}",
    ],
)
def test_invalid_vars_raise_a_one_line_error(text: str) -> None:
    with pytest.raises(VarError) as raised:
        effective_vars(text)
    assert "\n" not in str(raised.value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30) | st.integers() | st.floats(allow_nan=False))
def test_an_accepted_integer_var_is_an_int_in_range(value: Any) -> None:
    """Whatever the value, an integer var either becomes an int within its bounds or fails."""
    spec = VAR_SPECS["session_timeout_minutes"]
    try:
        checked = effective_vars(_yaml_mapping("session_timeout_minutes", value))
    except VarError:
        return
    result = checked["session_timeout_minutes"]
    assert type(result) is int and spec.minimum <= result <= spec.maximum


def test_every_project_default_is_accepted() -> None:
    assert set(effective_vars(None)) == set(dbt_var_defaults())
    assert set(VAR_SPECS) == set(dbt_var_defaults())


def _dbt_var_specs() -> dict[str, dict[str, Any]]:
    """``var_specs()`` of macros/typed_vars.sql, rendered with plain Jinja."""
    returned: list[Any] = []
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    environment.globals["return"] = lambda value: returned.append(value) or ""
    source = (DBT_PROJECT_DIR / "macros" / "typed_vars.sql").read_text(encoding="utf-8")
    environment.from_string(source).module.var_specs()
    return returned[0]


def test_dbt_checks_the_same_spec_as_python() -> None:
    dbt_specs = _dbt_var_specs()
    for name, spec in VAR_SPECS.items():
        if name == "timestamp_floor":
            assert name not in dbt_specs  # landing reads it, in Python, as a bound parameter
            continue
        assert dbt_specs[name]["kind"] == spec.kind, name
        if spec.kind == "integer":
            assert (dbt_specs[name]["min"], dbt_specs[name]["max"]) == (
                spec.minimum,
                spec.maximum,
            ), name


def test_every_var_of_the_dbt_project_goes_through_the_checks() -> None:
    """No `var(` in the models, macros and data tests but inside macros/typed_vars.sql."""
    unchecked = []
    for folder in ("models", "macros", "data-tests"):
        for path in (DBT_PROJECT_DIR / folder).rglob("*.sql"):
            if path.name == "typed_vars.sql":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"(?<![a-z_])var\(", line):
                    unchecked.append(f"{Path(folder) / path.name}:{number}: {line.strip()}")
    assert unchecked == []
