"""Validates records against a suite built in an ephemeral Great Expectations context.

GX 1.x has no DuckDB data source (and its SQLAlchemy route through duckdb-engine misreports
results), and pulling a batch of millions of lines into pandas for GX to scan took most of a
run's gate time. So the gates validate in DuckDB (``validate_in_duckdb``): each expectation of
the suite, built by GX as always, becomes the aggregates GX would compute (``count(*)`` of the
rows its ``row_condition`` keeps, of those it finds unexpected, ``avg`` of the column ...), all
in one query over the records; these exact numbers decide pass or fail. A failed column-values
expectation has GX validate a bounded sample of the rows DuckDB found unexpected: GX's own
verdict on them (which must agree) gives the examples the observed value shows.

``validate`` runs GX itself on a pandas DataFrame (``add_pandas`` → ``add_dataframe_asset`` →
``add_batch_definition_whole_dataframe`` → ``validate``): the sample above, and the reference
the unit tests hold ``validate_in_duckdb`` to. GX is imported inside (the import takes several
seconds) and the suite is built only after the context exists.
"""

import math
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

MAX_EXAMPLES = 3
SAMPLE_ROWS = 20  # unexpected rows GX validates per failed expectation (its partial list)


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation of a validation: what was expected, what was seen."""

    expectation: str  # e.g. "expect_column_mean_to_be_between(is_quarantined)"
    passed: bool
    observed: str
    threshold: str


@dataclass(frozen=True)
class SuiteResult:
    """The outcome of one suite on one frame."""

    suite: str
    row_count: int
    results: list[ExpectationResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether every expectation passed (a suite with none passes)."""
        return all(result.passed for result in self.results)

    @property
    def failed(self) -> list[ExpectationResult]:
        """The expectations that failed."""
        return [result for result in self.results if not result.passed]


_background_import: list[threading.Thread] = []  # the thread import_in_background started


def import_in_background() -> None:
    """Starts importing Great Expectations in a daemon thread (once per process).

    The import takes about 3 s of Python start-up, and the first gate needs it only after
    landing; a run starts this first, so the import overlaps the landing step (mostly DuckDB,
    which releases the GIL) instead of adding to it.

    Two threads importing the same circular modules at once can see one half initialized
    ("partially initialized module 'sqlalchemy.orm.exc' has no attribute ...": Dagster's event
    storage imports ``sqlalchemy.orm`` lazily, on its first ``in_`` query, and GX imports it
    too). So ``sqlalchemy.orm`` is imported here first, in the calling thread; the landing step
    waits for the import (``wait_for_background_import``) before anything else of the run
    queries the instance; and ``_context`` waits before it imports GX itself.
    """
    if not _background_import:
        import sqlalchemy.orm  # noqa: F401 - before the other thread can reach it

        thread = threading.Thread(target=_import_gx, name="import-great-expectations", daemon=True)
        _background_import.append(thread)
        thread.start()


def wait_for_background_import() -> None:
    """Returns once the import ``import_in_background`` started is done (at once if none)."""
    for thread in _background_import:
        thread.join()


def _import_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations  # noqa: F401


def validate(
    suite: str, frame: pd.DataFrame, build_expectations: Callable[[], list[Any]]
) -> SuiteResult:
    """Validates ``frame`` with GX against the expectations ``build_expectations`` returns.

    Args:
        suite: The suite's name (used in results and messages).
        frame: The data, one row per record the suite describes.
        build_expectations: A suite function with its thresholds bound (``functools.partial``);
            called after the context exists.
    """
    context = _context()
    expectations = build_expectations()
    if not expectations:
        return SuiteResult(suite=suite, row_count=len(frame))
    results = _gx_results(context, suite, frame, expectations)
    return SuiteResult(
        suite=suite, row_count=len(frame), results=[_result(item) for item in results]
    )


def validate_in_duckdb(
    suite: str,
    con: duckdb.DuckDBPyConnection,
    records_sql: str,
    params: Sequence[object],
    build_expectations: Callable[[], list[Any]],
) -> SuiteResult:
    """Validates the rows of a DuckDB query against the expectations of ``build_expectations``.

    The result is the one ``validate`` gives on the same rows read into a DataFrame: the same
    expectations in GX's order, each passed or failed on exact counts, with the same observed
    value and threshold (a failure's examples may be other rows among the unexpected ones). It
    reads one row of aggregates, and for each failed column-values expectation at most
    ``SAMPLE_ROWS`` of the rows it found unexpected, which GX then validates.

    Args:
        suite: The suite's name (used in results and messages).
        con: A connection to the database the query reads.
        records_sql: The records, one row per record the suite describes; it binds its own
            parameters as ``$1`` ... ``$n``.
        params: Those parameters.
        build_expectations: A suite function with its thresholds bound; called after the
            context exists.

    Raises:
        NotImplementedError: An expectation, argument or ``row_condition`` this module cannot
            evaluate in DuckDB (add its SQL here, with a test against ``validate``).
        RuntimeError: GX found none of DuckDB's unexpected rows unexpected: the SQL of an
            expectation disagrees with GX.
    """
    context = _context()
    expectations = _in_gx_order(build_expectations())
    bound = _Parameters(len(params))
    metrics = [_metric(expectation.configuration, bound) for expectation in expectations]
    columns = ["count(*)"] + [column for metric in metrics for column in metric.select()]
    row = con.execute(
        f"select {', '.join(columns)} from ({records_sql}) as records", [*params, *bound.values]
    ).fetchone()
    values, offset = [], 1
    for metric in metrics:
        width = len(metric.select())
        values.append(tuple(row[offset : offset + width]))
        offset += width
    samples = {
        index: _unexpected_sample(con, records_sql, params, expectations[index])
        for index, (metric, metric_values) in enumerate(zip(metrics, values, strict=True))
        if metric.unexpected is not None and metric_values[1]
    }
    examples = _sample_examples(context, suite, expectations, samples)
    results = [
        _duckdb_result(metric, metric_values, examples.get(index))
        for index, (metric, metric_values) in enumerate(zip(metrics, values, strict=True))
    ]
    return SuiteResult(suite=suite, row_count=int(row[0]), results=results)


def _context() -> Any:
    """An ephemeral GX context, without progress bars."""
    wait_for_background_import()  # never import GX from two threads at once
    _import_gx()  # the settings the background import uses, whichever runs first
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _gx_results(
    context: Any, suite: str, frame: pd.DataFrame, expectations: list[Any]
) -> list[Any]:
    """GX's validation results of ``frame``, one per expectation, in GX's order."""
    import great_expectations as gx

    batch_definition = (
        context.data_sources.add_pandas(f"{suite}_source")
        .add_dataframe_asset(f"{suite}_frame")
        .add_batch_definition_whole_dataframe("whole_frame")
    )
    expectation_suite = context.suites.add(
        gx.ExpectationSuite(name=suite, expectations=expectations)
    )
    validation = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
        expectation_suite, result_format="SUMMARY"
    )
    return list(validation.results)


def _in_gx_order(expectations: list[Any]) -> list[Any]:
    """The expectations in the order GX validates them: grouped by column, each group where its
    column first appears, the expectations without a column together where the first one is
    (``Validator.process_expectations_for_validation``)."""
    groups: dict[str | None, list[Any]] = {}
    for expectation in expectations:
        column = expectation.configuration.kwargs.get("column")
        groups.setdefault(column if isinstance(column, str) else None, []).append(expectation)
    return [expectation for group in groups.values() for expectation in group]


class _Parameters:
    """Values bound to a query as ``$n``, numbered after the ``already`` the records bind."""

    def __init__(self, already: int) -> None:
        self.already = already
        self.values: list[object] = []

    def bind(self, value: object) -> str:
        self.values.append(value)
        return f"${self.already + len(self.values)}"


@dataclass(frozen=True)
class _Metric:
    """What GX computes for one expectation, as SQL over the records."""

    config: Any  # the ExpectationConfiguration
    where: str  # the rows it looks at: its row_condition ("true" without one)
    unexpected: str | None  # column values: a row GX counts as unexpected
    aggregate: str | None  # otherwise the value GX holds against min_value and max_value

    def select(self) -> list[str]:
        """The columns of the aggregate query: rows looked at and unexpected, or the value."""
        if self.unexpected is not None:
            return [
                f"count(*) filter (where {self.where})",
                f"count(*) filter (where {self.where} and ({self.unexpected}))",
            ]
        return [f"{self.aggregate} filter (where {self.where})"]


# the arguments each expectation type may have here (others, such as mostly, are refused)
_BETWEEN = {"min_value", "max_value", "strict_min", "strict_max"}
_ARGUMENTS = {
    "expect_column_values_to_not_be_null": {"column"},
    "expect_column_values_to_be_between": {"column"} | _BETWEEN,
    "expect_column_values_to_be_in_set": {"column", "value_set"},
    "expect_column_mean_to_be_between": {"column"} | _BETWEEN,
    "expect_table_row_count_to_be_between": _BETWEEN,
}
_IGNORED = {"row_condition", "condition_parser", "result_format", "catch_exceptions", "meta"}


def _metric(config: Any, bound: _Parameters) -> _Metric:
    """The SQL of one expectation (column values ignore nulls, as GX does, but for not-null)."""
    kind, kwargs = config.type, dict(config.kwargs)
    allowed = _ARGUMENTS.get(kind)
    unknown = None if allowed is None else set(kwargs) - allowed - _IGNORED
    if allowed is None or unknown:
        raise NotImplementedError(f"no DuckDB evaluation of {kind}({kwargs})")
    where = _condition_sql(kwargs.get("row_condition"), bound)
    column = _quoted(kwargs["column"]) if "column" in kwargs else ""
    if kind == "expect_column_values_to_not_be_null":
        return _Metric(config, where, f"{column} is null", None)
    if kind == "expect_column_values_to_be_in_set":
        in_set = f"list_contains({bound.bind(list(kwargs['value_set']))}, {column})"
        return _Metric(config, where, f"{column} is not null and not {in_set}", None)
    if kind == "expect_column_values_to_be_between":
        outside = _outside_sql(column, kwargs, bound)
        return _Metric(config, where, f"{column} is not null and ({outside})", None)
    aggregate = "count(*)" if kind == "expect_table_row_count_to_be_between" else f"avg({column})"
    return _Metric(config, where, None, aggregate)


def _outside_sql(column: str, kwargs: dict[str, Any], bound: _Parameters) -> str:
    """A value outside ``[min_value, max_value]`` (either end open with ``strict_*``)."""
    parts = []
    if kwargs.get("min_value") is not None:
        operator = "<=" if kwargs.get("strict_min") else "<"
        parts.append(f"{column} {operator} {bound.bind(kwargs['min_value'])}")
    if kwargs.get("max_value") is not None:
        operator = ">=" if kwargs.get("strict_max") else ">"
        parts.append(f"{column} {operator} {bound.bind(kwargs['max_value'])}")
    return " or ".join(parts) or "false"


def _within(value: Any, kwargs: dict[str, Any]) -> bool:
    """Whether an aggregate lies within the bounds (a null one never does, as in GX)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    above_low = low is None or (value > low if kwargs.get("strict_min") else value >= low)
    below_high = high is None or (value < high if kwargs.get("strict_max") else value <= high)
    return above_low and below_high


# pandas' DataFrame.query, which GX filters rows with: a null compared with != or "not in" is
# kept, with any other operator dropped
_OPERATORS = {"==": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _condition_sql(condition: Any, bound: _Parameters) -> str:
    """A GX ``row_condition`` (a condition object or its dict) as SQL keeping the same rows."""
    if condition is None:
        return "true"
    data = condition.dict() if hasattr(condition, "dict") else condition
    kind = data.get("type") if isinstance(data, dict) else None
    if kind in ("and", "or"):
        parts = [_condition_sql(part, bound) for part in data["conditions"]]
        return "(" + f" {kind} ".join(parts) + ")"
    if kind == "nullity":
        return f"{_quoted(data['column']['name'])} is {'' if data['is_null'] else 'not '}null"
    if kind == "comparison":
        column, operator = _quoted(data["column"]["name"]), str(data["operator"])
        value = bound.bind(data["parameter"])
        if operator in _OPERATORS:
            return f"{column} {_OPERATORS[operator]} {value}"
        if operator == "!=":
            return f"{column} is distinct from {value}"
        if operator == "IN":
            return f"list_contains({value}, {column})"
        if operator == "NOT_IN":
            return f"({column} is null or not list_contains({value}, {column}))"
    raise NotImplementedError(f"no DuckDB evaluation of the row_condition {condition!r}")


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _unexpected_sample(
    con: duckdb.DuckDBPyConnection, records_sql: str, params: Sequence[object], expectation: Any
) -> pd.DataFrame:
    """At most ``SAMPLE_ROWS`` records one column-values expectation finds unexpected."""
    bound = _Parameters(len(params))
    metric = _metric(expectation.configuration, bound)
    return con.execute(
        f"select * from ({records_sql}) as records"
        f" where {metric.where} and ({metric.unexpected}) limit {SAMPLE_ROWS}",
        [*params, *bound.values],
    ).df()


def _sample_examples(
    context: Any, suite: str, expectations: list[Any], samples: dict[int, pd.DataFrame]
) -> dict[int, list[Any]]:
    """GX's unexpected values in each failed expectation's sample, by the expectation's index.

    Each sample is validated on its own (a row sampled for another expectation would show up
    among the examples twice); GX must find some of the rows unexpected, or the expectation's
    SQL and GX disagree.
    """
    examples = {}
    for index, sample in samples.items():
        (item,) = _gx_results(context, f"{suite}_unexpected_{index}", sample, [expectations[index]])
        found = (item.result or {}).get("partial_unexpected_list") or []
        if item.success or not found:
            name = _result(item).expectation
            raise RuntimeError(f"{name}: DuckDB counted unexpected rows, GX found none of them")
        examples[index] = found
    return examples


def _result(item: Any) -> ExpectationResult:
    config = item.expectation_config
    exception = (item.exception_info or {}).get("exception_message")
    return ExpectationResult(
        expectation=_name(config),
        passed=bool(item.success),
        observed=f"error: {exception}" if exception else observed_text(item.result or {}),
        threshold=threshold_text(config.type, dict(config.kwargs)),
    )


def _duckdb_result(
    metric: _Metric, values: tuple[Any, ...], examples: list[Any] | None
) -> ExpectationResult:
    """The result ``_result`` would give for GX's metrics, from DuckDB's."""
    kwargs = dict(metric.config.kwargs)
    if metric.unexpected is None:
        (value,) = values
        passed, result = _within(value, kwargs), {"observed_value": value}
    else:
        element_count, unexpected_count = values
        passed = unexpected_count == 0
        result = {
            "element_count": element_count,
            "unexpected_count": unexpected_count,
            "partial_unexpected_list": examples or [],
        }
    return ExpectationResult(
        expectation=_name(metric.config),
        passed=passed,
        observed=observed_text(result),
        threshold=threshold_text(metric.config.type, kwargs),
    )


def _name(config: Any) -> str:
    """``expectation_type(column)``, e.g. ``expect_column_mean_to_be_between(is_quarantined)``."""
    return f"{config.type}({', '.join(_columns(dict(config.kwargs)))})"


def _columns(kwargs: dict[str, Any]) -> list[str]:
    return [str(kwargs[key]) for key in ("column", "column_A", "column_B") if key in kwargs]


def observed_text(result: dict[str, Any]) -> str:
    """What GX saw: the aggregate value, or how many rows were unexpected, with examples."""
    if "observed_value" in result:
        return _value(result["observed_value"])
    if "unexpected_count" in result:
        count, total = result["unexpected_count"], result.get("element_count", 0)
        if not count:
            return f"0 of {total} rows unexpected"
        examples = ", ".join(
            _value(value) for value in (result.get("partial_unexpected_list") or [])[:MAX_EXAMPLES]
        )
        return f"{count} of {total} rows unexpected, e.g. {examples}"
    return "-"


def threshold_text(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """The expectation's bound, readable next to the observed value."""
    where = f" where {_condition(kwargs['row_condition'])}" if kwargs.get("row_condition") else ""
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if "value_set" in kwargs:
        text = "in {" + ", ".join(str(value) for value in kwargs["value_set"]) + "}"
    elif "value" in kwargs:
        text = f"= {_value(kwargs['value'])}"
    elif low is not None or high is not None:
        if low is not None and high is not None:
            text = f"in [{_value(low)}, {_value(high)}]"
        else:
            text = f">= {_value(low)}" if high is None else f"<= {_value(high)}"
    elif "column_A" in kwargs:
        operator = "=" if "equal" in expectation_type.split("_to_be_")[-1] else ">"
        if kwargs.get("or_equal"):
            operator = ">="
        text = f"{kwargs['column_A']} {operator} {kwargs['column_B']}"
    elif "not_be_null" in expectation_type:
        text = "not null"
    else:
        text = "-"
    return text + where


def _condition(condition: Any) -> str:
    if isinstance(condition, dict) and "column" in condition:
        column, operator = condition["column"].get("name"), condition.get("operator")
        return f"{column} {operator} {condition.get('parameter')}"
    return str(condition)


def _value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_value(item) for item in value) + ")"
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.4g}"
    return str(value)
