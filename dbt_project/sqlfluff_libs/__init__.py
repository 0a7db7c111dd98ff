"""What sqlfluff's jinja templater needs, beyond its dbt builtins, to render the project.

`.sqlfluff` points `library_path` here: every public name below is a global when sqlfluff
renders a model, a data test or a macro of dbt_project/macros (loaded with
`load_macros_from_path`). sqlfluff's `apply_dbt_builtins` already provides `ref`, `source`,
`config`, `var`, `is_incremental` and `this`; this adds the rest the project's SQL reaches
while parsing (`execute` is false, as in dbt's parse phase, so nothing runs a query):

- `dbt`: the cross-database macros the models call, rendered as dbt-duckdb renders them, so
  the SQL sqlfluff parses is the SQL DuckDB runs (sqlfluff does not lint generated code,
  but it must parse it);
- `adapter.dispatch`: the project's own `duckdb__` / `default__` implementation, as dbt
  picks it, and `target`, the DuckDB one;
- `var`: the defaults of dbt_project.yml (sqlfluff's stand-in returns a placeholder, which the
  checks of macros/typed_vars.sql would reject), with `modules.re` and `exceptions` that those
  checks use.
"""

import re
import types
from pathlib import Path
from typing import Any

import jinja2
import yaml

execute = False

_TYPES = {
    "type_string": "varchar",
    "type_bigint": "bigint",
    "type_int": "integer",
    # dbt's default: translate_type("float"), which dbt-duckdb leaves as `float` (REAL, 32-bit)
    "type_float": "float",
    "type_numeric": "numeric(28, 6)",
    "type_boolean": "boolean",
    "type_timestamp": "timestamp",
}


class _DbtMacros:
    """dbt's cross-database macros (the `dbt` namespace) as dbt-duckdb renders them."""

    def type_string(self) -> str:
        return _TYPES["type_string"]

    def type_bigint(self) -> str:
        return _TYPES["type_bigint"]

    def type_int(self) -> str:
        return _TYPES["type_int"]

    def type_float(self) -> str:
        return _TYPES["type_float"]

    def type_numeric(self) -> str:
        return _TYPES["type_numeric"]

    def type_boolean(self) -> str:
        return _TYPES["type_boolean"]

    def type_timestamp(self) -> str:
        return _TYPES["type_timestamp"]

    def hash(self, field: str) -> str:
        return f"md5(cast({field} as varchar))"

    def concat(self, fields: list[str]) -> str:
        return f"concat({', '.join(fields)})"

    def cast(self, field: str, type_: str) -> str:
        return f"cast({field} as {type_})"

    def safe_cast(self, field: str, type_: str) -> str:
        return f"try_cast({field} as {type_})"

    def split_part(self, string_text: str, delimiter_text: str, part_number: Any) -> str:
        return f"string_split({string_text}, {delimiter_text})[{part_number}]"

    def length(self, expression: str) -> str:
        return f"length({expression})"

    def bool_or(self, expression: str) -> str:
        return f"bool_or({expression})"

    def current_timestamp(self) -> str:
        return "now()"

    def date_trunc(self, datepart: str, date: str) -> str:
        return f"date_trunc('{datepart}', {date})"

    def dateadd(self, datepart: str, interval: Any, from_date_or_timestamp: str) -> str:
        return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"

    def datediff(self, first_date: str, second_date: str, datepart: str) -> str:
        return f"date_diff('{datepart}', {first_date}, {second_date})"

    def listagg(
        self,
        measure: str,
        delimiter_text: str = "','",
        order_by_clause: str | None = None,
        limit_num: int | None = None,
    ) -> str:
        order_by = f" {order_by_clause}" if order_by_clause else ""
        return f"string_agg({measure}, {delimiter_text}{order_by})"


class _Adapter:
    """The part of dbt's `adapter` object the project's SQL uses while parsing."""

    @jinja2.pass_context
    def dispatch(
        self, context: jinja2.runtime.Context, macro_name: str, macro_namespace: str = ""
    ) -> Any:
        """The project's `duckdb__<name>`, else `default__<name>`, as dbt would pick it."""
        for prefix in ("duckdb__", "default__"):
            implementation = context.get(prefix + macro_name)
            if implementation is not None:
                return implementation
        raise jinja2.UndefinedError(f"no implementation of {macro_name} to dispatch to")

    def get_relation(self, database: str, schema: str, identifier: str) -> None:
        return None

    def get_columns_in_relation(self, relation: Any) -> list[Any]:
        return []


def _var_defaults() -> dict[str, Any]:
    project = yaml.safe_load((Path(__file__).parents[1] / "dbt_project.yml").read_text())
    # the unit-test-only var has no project default
    return {**project["vars"][project["name"]], "unit_test_landed_after": "2026-01-01 00:00:00"}


def var(name: str, default: Any = None) -> Any:
    """dbt's `var`, from the defaults of dbt_project.yml."""
    return _var_defaults().get(name, default)


def _raise_compiler_error(message: str) -> None:
    raise jinja2.TemplateError(message)


dbt = _DbtMacros()
adapter = _Adapter()
# the DuckDB target, as the macros that choose by engine (incremental_materialization) see it
target = types.SimpleNamespace(type="duckdb", name="duckdb")
modules = types.SimpleNamespace(re=re)
exceptions = types.SimpleNamespace(raise_compiler_error=_raise_compiler_error)
