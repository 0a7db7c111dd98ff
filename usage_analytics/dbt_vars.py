"""dbt vars given for one run (`--vars`), merged over the project defaults."""

import datetime as dt
import functools
from typing import Any

import yaml

from usage_analytics.paths import DBT_PROJECT_DIR


@functools.cache
def dbt_var_defaults() -> dict[str, Any]:
    """The project's dbt vars and their defaults, as declared in dbt_project.yml (the one place
    a default lives)."""
    with open(DBT_PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        project = yaml.safe_load(handle)
    return dict(project.get("vars", {}).get(project["name"], {}))


def parse_vars(text: str | None) -> dict[str, Any]:
    """Parses a YAML mapping such as ``{session_timeout_minutes: 45}``.

    Raises:
        ValueError: When the text is not a YAML mapping or names an unknown var.
    """
    if not text or not text.strip():
        return {}
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"--vars is not valid YAML: {error}") from error
    if not isinstance(parsed, dict):
        raise ValueError(f"--vars must be a YAML mapping, got {type(parsed).__name__}")
    unknown = sorted(set(parsed) - set(dbt_var_defaults()))
    if unknown:
        known = ", ".join(sorted(dbt_var_defaults()))
        raise ValueError(f"unknown dbt var(s) {', '.join(unknown)}; known: {known}")
    return parsed


def effective_vars(text: str | None) -> dict[str, Any]:
    """Project defaults overridden by ``text``."""
    return {**dbt_var_defaults(), **parse_vars(text)}


def timestamp_floor(variables: dict[str, Any]) -> dt.datetime:
    """The landing floor from the var ``timestamp_floor`` (a date or an ISO date-time)."""
    value = variables["timestamp_floor"]
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return dt.datetime.fromisoformat(str(value))
