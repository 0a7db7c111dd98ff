"""Validates a DataFrame against a suite in an ephemeral Great Expectations context.

GX 1.x has no DuckDB data source (and its SQLAlchemy route through duckdb-engine misreports
results), so the caller reads a frame from DuckDB and the runner validates it as a pandas
DataFrame: ``add_pandas`` → ``add_dataframe_asset`` → ``add_batch_definition_whole_dataframe`` →
``validate``. GX is imported inside ``validate`` (the import takes several seconds) and the
suite is built only after the context exists.
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


def read_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] | None = None
) -> pd.DataFrame:
    """Reads a query's result from DuckDB as a pandas DataFrame."""
    return con.execute(sql, list(params or [])).df()


def import_in_background() -> None:
    """Starts importing Great Expectations in a daemon thread.

    The import takes about 3 s of Python start-up, and the first gate needs it only after
    landing; a run starts this first, so the import overlaps the landing step (mostly DuckDB,
    which releases the GIL) instead of adding to it. ``validate`` imports the same modules:
    Python's import lock makes it wait for a half-done import, never import twice.
    """
    threading.Thread(target=_import_gx, name="import-great-expectations", daemon=True).start()


def _import_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations  # noqa: F401


def validate(
    suite: str, frame: pd.DataFrame, build_expectations: Callable[[], list[Any]]
) -> SuiteResult:
    """Validates ``frame`` against the expectations ``build_expectations`` returns.

    Args:
        suite: The suite's name (used in results and messages).
        frame: The data, one row per record the suite describes.
        build_expectations: A suite function with its thresholds bound (``functools.partial``);
            called after the context exists.
    """
    _import_gx()  # the settings the background import uses, whichever runs first
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    expectations = build_expectations()
    if not expectations:
        return SuiteResult(suite=suite, row_count=len(frame))
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
    return SuiteResult(
        suite=suite,
        row_count=len(frame),
        results=[_result(item) for item in validation.results],
    )


def _result(item: Any) -> ExpectationResult:
    config = item.expectation_config
    kwargs = dict(config.kwargs)
    exception = (item.exception_info or {}).get("exception_message")
    return ExpectationResult(
        expectation=f"{config.type}({', '.join(_columns(kwargs))})",
        passed=bool(item.success),
        observed=f"error: {exception}" if exception else observed_text(item.result or {}),
        threshold=threshold_text(config.type, kwargs),
    )


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
