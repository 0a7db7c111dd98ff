"""dbt vars given for one run (`--vars`), merged over the project defaults and validated.

Every var has a typed spec (``VAR_SPECS``): an integer within bounds, an IANA time zone, a date,
an event name of the tracking plan, or a currency of the exchange rates. ``effective_vars``
checks every value before anything runs, so a bad value is one line naming the var, the value
and what is accepted, and dbt gets the checked, typed values (``dbt_vars_argument``), never the
text as given. The dbt project
checks the same vars again where it reads them (``dbt_project/macros/typed_vars.sql``), for a
``dbt build --vars`` run by hand; a unit test keeps the two specs in step.
"""

import datetime as dt
import functools
import json
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

import yaml

from usage_analytics.paths import DBT_PROJECT_DIR


class VarError(ValueError):
    """A dbt var whose value is not accepted (the message names the var, value and rule)."""


@dataclass(frozen=True)
class VarSpec:
    """What one var accepts.

    Attributes:
        kind: ``integer``, ``timezone``, ``date``, ``event_name`` (an event of the tracking
            plan, normalized name) or ``currency`` (a currency of the exchange rates whose
            rate is 1: amounts are converted into it).
        minimum: Smallest integer accepted (integers only).
        maximum: Largest integer accepted (integers only).
    """

    kind: str
    minimum: int | None = None
    maximum: int | None = None

    def accepted(self) -> str:
        """What the var accepts, in words."""
        if self.kind == "integer":
            return f"an integer from {self.minimum} to {self.maximum}"
        if self.kind == "timezone":
            return "an IANA time zone such as UTC or Europe/Berlin"
        if self.kind == "date":
            return "a date YYYY-MM-DD (or an ISO date-time)"
        if self.kind == "currency":
            return "a currency of seeds/exchange_rates.csv whose rate_to_reporting_currency is 1"
        return "an event name of seeds/tracking_plan.csv"


VAR_SPECS: dict[str, VarSpec] = {
    "session_timeout_minutes": VarSpec("integer", 1, 1440),
    "max_session_hours": VarSpec("integer", 1, 720),
    "reporting_timezone": VarSpec("timezone"),
    "signup_event": VarSpec("event_name"),
    "inactive_after_days": VarSpec("integer", 1, 3650),
    "timestamp_floor": VarSpec("date"),
    "activity_segment_power_days": VarSpec("integer", 1, 28),
    "activity_segment_core_days": VarSpec("integer", 1, 28),
    "path_top_n": VarSpec("integer", 1, 100),
    "lookback_days": VarSpec("integer", 0, 3650),
    "experiment_cuped_days": VarSpec("integer", 0, 365),
    "reporting_currency": VarSpec("currency"),
}
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,12}")


class _VarsLoader(yaml.SafeLoader):
    """YAML's safe loader with dates left as text (``_date`` checks them: 2024-02-30 is then a
    clear error, not PyYAML's exception)."""


_VarsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@functools.cache
def dbt_var_defaults() -> dict[str, Any]:
    """The project's dbt vars and their defaults, as declared in dbt_project.yml (the one place
    a default lives)."""
    with open(DBT_PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        project = yaml.safe_load(handle)
    return dict(project.get("vars", {}).get(project["name"], {}))


def parse_vars(text: str | None) -> dict[str, Any]:
    """Parses and validates a YAML mapping such as ``{session_timeout_minutes: 45}``.

    Returns:
        The given vars, each as its typed value (an int, a date, a string).

    Raises:
        VarError: When the text is not a YAML mapping, names an unknown var or holds a value
            its var does not accept (one line naming the var, the value and the rule).
    """
    if not text or not text.strip():
        return {}
    try:
        parsed = yaml.load(text, Loader=_VarsLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise VarError(f"--vars is not valid YAML ({first_line}): {text!r}") from error
    if not isinstance(parsed, dict):
        raise VarError(f"--vars must be a YAML mapping such as '{{name: value}}', got {text!r}")
    unknown = sorted(str(name) for name in set(parsed) - set(dbt_var_defaults()))
    if unknown:
        known = ", ".join(sorted(dbt_var_defaults()))
        raise VarError(f"unknown dbt var(s) {', '.join(unknown)}; known: {known}")
    return {name: validated_value(name, value) for name, value in parsed.items()}


def effective_vars(text: str | None) -> dict[str, Any]:
    """Project defaults overridden by ``text``, every value validated.

    Raises:
        VarError: A value (given or default) its var does not accept.
    """
    defaults = {name: validated_value(name, value) for name, value in dbt_var_defaults().items()}
    variables = {**defaults, **parse_vars(text)}
    power, core = variables["activity_segment_power_days"], variables["activity_segment_core_days"]
    if core > power:
        raise VarError(
            f"--vars activity_segment_core_days={core} is above activity_segment_power_days"
            f"={power}: accepted is a core threshold at most the power one"
        )
    return variables


def dbt_vars_argument(text: str | None) -> str:
    """The value of dbt's ``--vars`` for ``text``: the validated vars as JSON ("" for none).

    Raises:
        VarError: As ``parse_vars``.
    """
    variables = parse_vars(text)
    if not variables:
        return ""
    return json.dumps({name: _json_value(value) for name, value in variables.items()})


def validated_value(name: str, value: Any) -> Any:
    """``value`` as the type of var ``name`` (int, date or str).

    Raises:
        VarError: naming the var, the value and what it accepts.
    """
    spec = VAR_SPECS.get(name)
    if spec is None:
        return value  # a var the project declares but does not constrain
    checked = _CHECKS[spec.kind](value, spec)
    if checked is None:
        raise VarError(f"--vars {name}={_shown(value)} is not accepted: expected {spec.accepted()}")
    return checked


def timestamp_floor(variables: dict[str, Any]) -> dt.datetime:
    """The landing floor from the var ``timestamp_floor`` (a date or an ISO date-time)."""
    value = variables["timestamp_floor"]
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return dt.datetime.fromisoformat(str(value))


def _integer(value: Any, spec: VarSpec) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        return None
    assert spec.minimum is not None and spec.maximum is not None
    return value if spec.minimum <= value <= spec.maximum else None


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value: Any, spec: VarSpec) -> str | None:
    return value if isinstance(value, str) and value in _time_zones() else None


def _date(value: Any, spec: VarSpec) -> dt.date | dt.datetime | None:
    if isinstance(value, dt.date):  # YAML gives a date (or a date-time) for 2024-01-31
        return value
    if not isinstance(value, str):
        return None
    for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
        try:
            return parse(value.strip())
        except ValueError:
            continue
    return None


def _event_name(value: Any, spec: VarSpec) -> str | None:
    from usage_analytics.analyst_inputs import tracking_plan_events

    return value if isinstance(value, str) and value in tracking_plan_events() else None


def _currency(value: Any, spec: VarSpec) -> str | None:
    """The reporting currency: every rate of the seed converts into it, so its own rate is 1
    (a var changed without the seed's rates would convert into the wrong currency)."""
    from usage_analytics.analyst_inputs import exchange_rates

    return value if isinstance(value, str) and exchange_rates().get(value) == 1 else None


_CHECKS = {
    "integer": _integer,
    "timezone": _timezone,
    "date": _date,
    "event_name": _event_name,
    "currency": _currency,
}


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _shown(value: Any) -> str:
    """A value as the error shows it: text quoted, one line, at most 80 characters."""
    shown = repr(value) if isinstance(value, str) else json.dumps(_json_value(value), default=str)
    shown = shown.replace("\n", "\\n")
    return shown if len(shown) <= 80 else shown[:77] + "..."
