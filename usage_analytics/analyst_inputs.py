"""Checks of the definitions analysts edit (seeds/*.csv, CONTRACT §4) before anything runs.

``check_analyst_inputs`` reads the tracking plan, the funnel, retention and experiment
definitions, the revenue events and exchange rates, and raises ``AnalystInputError`` at the
first bad row, naming the file, the line (as an editor numbers it, the header being line 1),
the column and the value. The accepted values of
a column are read from the seeds' YAML (``seeds/_*.yml``, the ``accepted_values`` tests), so
each list lives in one place; event names are checked with landing's own normalization
(``normalize_event_name``). The same rules run again as error-severity dbt tests on the seeds,
so a ``dbt build`` run outside ``usage-analytics`` also stops before the marts are published.
The personal keys are read (and checked) by landing's ``read_personal_keys``, the custom
dimensions seed by ``usage_analytics.custom_dimensions``.
"""

import csv
import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import duckdb
import yaml

from usage_analytics import paths
from usage_analytics.landing.rules import create_landing_macros, read_personal_keys

TRACKING_PLAN = "tracking_plan.csv"
FUNNEL_DEFINITIONS = "funnel_definitions.csv"
RETENTION_DEFINITIONS = "retention_definitions.csv"
EXPERIMENT_DEFINITIONS = "experiment_definitions.csv"
EXPERIMENT_METRICS = "experiment_metrics.csv"
REVENUE_EVENTS = "revenue_events.csv"
EXCHANGE_RATES = "exchange_rates.csv"
PERSONAL_KEYS = "personal_keys.csv"
ANY_ACTIVE_EVENT = "*"  # retention: any event that counts as active
MAX_FUNNEL_STEPS = 10  # the steps int_funnel_attempt_steps unrolls
BOOLEANS = ("true", "false")
SUBSCRIPTION_PAYMENT = "subscription_payment"  # the revenue kind that makes MRR
# a dotted path into `properties` (it reaches SQL as data, as a JSON path: keep it plain)
PROPERTY_PATH = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*")
CURRENCY_CODE = re.compile(r"[A-Z]{3}")  # ISO 4217

Row = tuple[int, dict[str, str]]  # (line number, row)


class AnalystInputError(ValueError):
    """A seed row that cannot be used (the message names the file, line, column and value)."""


def check_analyst_inputs(seeds_dir: Path | None = None) -> None:
    """Checks the tracking plan, the funnel, retention and experiment definitions, the revenue
    events and exchange rates, and the personal keys (``read_personal_keys``).

    Raises:
        ValueError: At the first bad row (``AnalystInputError`` for the first three seeds).
    """
    seeds_dir = seeds_dir or paths.SEEDS_DIR
    events = _check_tracking_plan(seeds_dir)
    _check_funnels(seeds_dir, events)
    _check_retentions(seeds_dir, events)
    _check_experiments(seeds_dir)
    _check_revenue_events(seeds_dir, events, exchange_rates(seeds_dir))
    read_personal_keys(seeds_dir / PERSONAL_KEYS)


def tracking_plan_events(seeds_dir: Path | None = None) -> frozenset[str]:
    """The event names of the tracking plan (as written; ``check_analyst_inputs`` checks them)."""
    seeds_dir = seeds_dir or paths.SEEDS_DIR
    return frozenset(row["event_name"] for _, row in _rows(seeds_dir / TRACKING_PLAN))


def _check_tracking_plan(seeds_dir: Path) -> frozenset[str]:
    path = seeds_dir / TRACKING_PLAN
    rows = list(_rows(path))
    categories = accepted_values(seeds_dir, "tracking_plan", "category")
    names = [row["event_name"] for _, row in rows]
    normalized = _normalized_event_names(names)
    seen: set[str] = set()
    for (line, row), name in zip(rows, normalized, strict=True):
        if row["event_name"] != name:
            suggestion = f" (normalized: '{name}')" if name else ""
            _fail(path, line, "event_name", row, f"is not a normalized snake_case name{suggestion}")
        if row["event_name"] in seen:
            _fail(path, line, "event_name", row, "is listed twice")
        seen.add(row["event_name"])
        _require_in(path, line, row, "category", categories)
        for column in ("counts_as_active", "contains_pii"):
            _require_in(path, line, row, column, BOOLEANS, casefold=True)
    return frozenset(seen)


def _check_funnels(seeds_dir: Path, events: frozenset[str]) -> None:
    path = seeds_dir / FUNNEL_DEFINITIONS
    units = accepted_values(seeds_dir, "funnel_definitions", "conversion_window_unit")
    steps: dict[str, list[tuple[int, int, dict[str, str]]]] = {}
    windows: dict[str, tuple[str, str]] = {}
    for line, row in _rows(path):
        if not row["funnel_name"]:
            _fail(path, line, "funnel_name", row, "is empty")
        step = _whole_number(path, line, row, "step_number", minimum=1)
        _require_event(path, line, row, "event_name", events)
        value, unit = _window(path, line, row, "conversion_window", units, minimum=0)
        window = windows.setdefault(row["funnel_name"], (value, unit))
        if window != (value, unit):
            first = " ".join(window) if any(window) else "no window"
            _fail(
                path, line, "conversion_window_value", row, f"differs from the funnel's ({first})"
            )
        steps.setdefault(row["funnel_name"], []).append((step, line, row))
    for funnel_steps in steps.values():
        for expected, (step, line, row) in enumerate(sorted(funnel_steps, key=_by_step), start=1):
            if step > MAX_FUNNEL_STEPS:
                _fail(path, line, "step_number", row, f"is above {MAX_FUNNEL_STEPS} (the most)")
            if step < expected:
                _fail(path, line, "step_number", row, "is listed twice in the funnel")
            if step > expected:
                _fail(path, line, "step_number", row, f"leaves a gap: no step {expected}")


def _by_step(step: tuple[int, int, dict[str, str]]) -> tuple[int, int]:
    return step[0], step[1]


def _check_retentions(seeds_dir: Path, events: frozenset[str]) -> None:
    path = seeds_dir / RETENTION_DEFINITIONS
    periods = accepted_values(seeds_dir, "retention_definitions", "period")
    cohort_types = accepted_values(seeds_dir, "retention_definitions", "cohort_type")
    seen: set[str] = set()
    for line, row in _rows(path):
        if not row["retention_name"] or row["retention_name"] in seen:
            _fail(path, line, "retention_name", row, "is empty or listed twice")
        seen.add(row["retention_name"])
        for column in ("cohort_event", "return_event"):
            if row[column] != ANY_ACTIVE_EVENT:
                _require_event(path, line, row, column, events, also="or '*'")
        _require_in(path, line, row, "period", periods)
        _require_in(path, line, row, "cohort_type", cohort_types)


def _check_experiments(seeds_dir: Path) -> None:
    """What dbt could not load, or would read wrongly: ids, times, weights, metric types,
    windows. What only makes one experiment's readout wrong (an event the tracking plan lacks,
    a control not among the weights, a metric named twice) is not an error here: dbt reports
    it in audit.experiment_problems and leaves that experiment out (docs/experiments.md)."""
    path = seeds_dir / EXPERIMENT_DEFINITIONS
    seen: set[str] = set()
    for line, row in _rows(path):
        if not row["experiment_id"] or row["experiment_id"] in seen:
            _fail(path, line, "experiment_id", row, "is empty or listed twice")
        seen.add(row["experiment_id"])
        if not row["control_variation_id"]:
            _fail(path, line, "control_variation_id", row, "is empty")
        _timestamp(path, line, row, "starts_at")
        if row["ends_at"]:
            _timestamp(path, line, row, "ends_at")
        if row.get("variation_weights") and not _is_weights(row["variation_weights"]):
            _fail(
                path,
                line,
                "variation_weights",
                row,
                "is not variation:share|variation:share... with positive shares",
            )
    path = seeds_dir / EXPERIMENT_METRICS
    metric_types = accepted_values(seeds_dir, "experiment_metrics", "metric_type")
    units = accepted_values(seeds_dir, "experiment_metrics", "window_unit")
    roles = accepted_values(seeds_dir, "experiment_metrics", "role")
    for line, row in _rows(path):
        for column in ("experiment_id", "metric_name", "event_name"):
            if not row[column]:
                _fail(path, line, column, row, "is empty")
        _require_in(path, line, row, "metric_type", metric_types)
        _require_in(path, line, row, "role", roles)
        _window(path, line, row, "window", units, minimum=1)


def exchange_rates(seeds_dir: Path | None = None) -> dict[str, float]:
    """The rates of seeds/exchange_rates.csv, by currency, every row checked: an ISO 4217 code
    listed once and a positive, finite rate.

    Raises:
        AnalystInputError: At the first bad row.
    """
    path = (seeds_dir or paths.SEEDS_DIR) / EXCHANGE_RATES
    rates: dict[str, float] = {}
    for line, row in _rows(path):
        currency = row["currency"]
        if not CURRENCY_CODE.fullmatch(currency) or currency in rates:
            _fail(path, line, "currency", row, "is not a three-letter code listed once (e.g. EUR)")
        try:
            rate = float(row["rate_to_reporting_currency"])
        except ValueError:
            rate = math.nan
        if not (math.isfinite(rate) and rate > 0):
            _fail(path, line, "rate_to_reporting_currency", row, "is not a positive number")
        rates[currency] = rate
    return rates


def _check_revenue_events(seeds_dir: Path, events: frozenset[str], rates: dict[str, float]) -> None:
    """Rows dbt would read wrongly: an event twice or not tracked, a path that is not a dotted
    name, a default currency without a rate, a kind the marts do not know, an interval path
    on a kind that has no interval (or none on a subscription payment)."""
    path = seeds_dir / REVENUE_EVENTS
    kinds = accepted_values(seeds_dir, "revenue_events", "revenue_kind")
    seen: set[str] = set()
    for line, row in _rows(path):
        _require_event(path, line, row, "event_name", events)
        if row["event_name"] in seen:
            _fail(path, line, "event_name", row, "is listed twice")
        seen.add(row["event_name"])
        _require_in(path, line, row, "revenue_kind", kinds)
        subscription = row["revenue_kind"] == SUBSCRIPTION_PAYMENT
        for column in ("amount_property", "currency_property", "interval_property"):
            required = column == "amount_property" or (
                column == "interval_property" and subscription
            )
            if (required or row[column]) and not PROPERTY_PATH.fullmatch(row[column]):
                _fail(
                    path, line, column, row, "is not a property path such as amount or price.total"
                )
        if row["interval_property"] and not subscription:
            _fail(path, line, "interval_property", row, f"is only for {SUBSCRIPTION_PAYMENT}")
        if row["default_currency"] and row["default_currency"] not in rates:
            _fail(path, line, "default_currency", row, f"has no rate in seeds/{EXCHANGE_RATES}")
        if not (row["currency_property"] or row["default_currency"]):
            _fail(path, line, "currency_property", row, "and default_currency are both empty")


def _window(
    path: Path, line: int, row: dict[str, str], prefix: str, units: list[str], minimum: int
) -> tuple[str, str]:
    """The ``<prefix>_value`` and ``<prefix>_unit`` of a row: a whole number and an accepted
    unit, or both empty (no window)."""
    value, unit = row[f"{prefix}_value"], row[f"{prefix}_unit"]
    if value:
        _whole_number(path, line, row, f"{prefix}_value", minimum=minimum)
    if unit:
        _require_in(path, line, row, f"{prefix}_unit", units)
    if bool(value) != bool(unit):
        _fail(path, line, f"{prefix}_value", row, "needs a unit (or both empty)")
    return value, unit


def _timestamp(path: Path, line: int, row: dict[str, str], column: str) -> None:
    try:
        dt.datetime.fromisoformat(row[column])
    except ValueError:
        _fail(path, line, column, row, "is not a timestamp YYYY-MM-DD[ HH:MM[:SS]] (UTC)")


def _is_weights(text: str) -> bool:
    names = []
    for item in text.split("|"):
        name, colon, share = item.partition(":")
        try:
            positive = math.isfinite(float(share)) and float(share) > 0
        except ValueError:
            return False
        if not (colon and name.strip() and positive):
            return False
        names.append(name.strip())
    return len(names) == len(set(names))


def _seed_yaml_columns(seeds_dir: Path) -> dict[tuple[str, str], list[str]]:
    """``(seed, column) -> accepted values`` from every ``accepted_values`` test of the seeds'
    YAML files."""
    accepted: dict[tuple[str, str], list[str]] = {}
    for yml in sorted(seeds_dir.glob("*.yml")):
        document = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
        for seed in document.get("seeds", []):
            for column in seed.get("columns", []):
                for test in column.get("data_tests", []):
                    if isinstance(test, dict) and "accepted_values" in test:
                        spec = test["accepted_values"]
                        values = spec.get("arguments", spec).get("values", [])
                        accepted[(seed["name"], column["name"])] = [str(v) for v in values]
    return accepted


def accepted_values(seeds_dir: Path, seed: str, column: str) -> list[str]:
    """The values the ``accepted_values`` test of a seed column allows (seeds/_*.yml)."""
    try:
        return _seed_yaml_columns(seeds_dir)[(seed, column)]
    except KeyError:
        raise AnalystInputError(
            f"seeds/*.yml: no accepted_values test on {seed}.{column}"
        ) from None


def _rows(path: Path) -> Iterator[Row]:
    """The rows of a seed, stripped, with their line numbers (the header is line 1).

    Raises:
        AnalystInputError: The file is missing or unreadable.
    """
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                yield (
                    reader.line_num,
                    {str(key): (value or "").strip() for key, value in row.items()},
                )
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise AnalystInputError(f"seeds/{path.name}: cannot be read ({error})") from error


def _normalized_event_names(names: list[str]) -> list[str]:
    """Each name through landing's ``normalize_event_name`` (CONTRACT §1)."""
    con = duckdb.connect()
    try:
        create_landing_macros(con)
        return [
            con.execute(
                "select coalesce(normalize_event_name($name), '')", {"name": name}
            ).fetchall()[0][0]
            for name in names
        ]
    finally:
        con.close()


def _fail(path: Path, line: int, column: str, row: dict[str, str], problem: str) -> NoReturn:
    raise AnalystInputError(
        f"seeds/{path.name} line {line}: {column} {row.get(column, '')!r} {problem}"
    )


def _require_in(
    path: Path,
    line: int,
    row: dict[str, str],
    column: str,
    values: list[str] | tuple[str, ...],
    casefold: bool = False,
) -> None:
    value = row.get(column, "")
    if (value.lower() if casefold else value) not in values:
        _fail(path, line, column, row, f"is not one of {', '.join(values)}")


def _require_event(
    path: Path,
    line: int,
    row: dict[str, str],
    column: str,
    events: frozenset[str],
    also: str = "",
) -> None:
    if row.get(column, "") not in events:
        accepted = f" ({also})" if also else ""
        _fail(path, line, column, row, f"is not in the tracking plan{accepted}")


def _whole_number(path: Path, line: int, row: dict[str, str], column: str, minimum: int) -> int:
    value = row.get(column, "")
    if not value.isdigit() or int(value) < minimum:
        _fail(path, line, column, row, f"is not a whole number of at least {minimum}")
    return int(value)
