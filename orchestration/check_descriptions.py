"""A description for every dbt test's asset check, so the Dagster UI says what each one checks.

dagster-dbt describes a test's check only by the test's ``meta.description``, which no test sets:
the singular tests carry their sentence in the YAML ``description`` property, and the generic
ones (``not_null``, ``unique``, ...) carry none. ``dbt_test_description`` returns the test's own
description when it has one, else a sentence made from the test's metadata (its name, column and
arguments), such as "not_null: column session_id of fct_sessions is never null".
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

MAX_VALUES_LISTED = 8  # accepted_values beyond this are counted, not listed
_REFERENCE = re.compile(r"""(?:ref|source)\(\s*(?:['"][^'"]*['"]\s*,\s*)?['"]([^'"]+)['"]\s*\)""")


def dbt_test_description(test: Mapping[str, Any], model: str) -> str:
    """What a dbt test checks, in one sentence.

    Args:
        test: The test's node in the dbt manifest.
        model: The name of the table the test is attached to.
    """
    own = (test.get("description") or test.get("meta", {}).get("description") or "").strip()
    if own:
        description = own
    elif test.get("test_metadata"):
        description = _generic_description(test["test_metadata"], test.get("column_name"), model)
    else:
        path = test.get("original_file_path") or test["name"]
        description = f"{test['name']} ({path}): no row of {model} is returned by the test's query"
    config = test.get("config", {})
    if config.get("where"):
        description += f" (rows where {config['where']})"
    if str(config.get("severity", "error")).lower() == "warn":
        description = f"Warning: {description}"
    return description


def _generic_description(metadata: Mapping[str, Any], column: str | None, model: str) -> str:
    """The sentence of a generic test, from its name and arguments."""
    name = metadata["name"]
    kwargs = metadata.get("kwargs", {})
    column = column or kwargs.get("column_name")
    subject = f"column {column} of {model}" if column else model
    if name == "not_null":
        return f"not_null: {subject} is never null"
    if name == "unique":
        return f"unique: no two rows of {model} share a {column}"
    if name == "accepted_values":
        return f"accepted_values: {subject} only holds {_listed(kwargs.get('values', []))}"
    if name == "relationships":
        target = _referenced(str(kwargs.get("to", "")))
        return f"relationships: every {column} of {model} is a {kwargs.get('field')} of {target}"
    if name == "value_between":
        return (
            f"value_between: {subject} lies between {kwargs.get('min_value')} and"
            f" {kwargs.get('max_value')}"
        )
    arguments = ", ".join(
        f"{key}={value}" for key, value in kwargs.items() if key not in ("model", "column_name")
    )
    return f"{name}: {subject} passes" + (f" ({arguments})" if arguments else "")


def _listed(values: Sequence[object]) -> str:
    shown = ", ".join(repr(value) for value in values[:MAX_VALUES_LISTED])
    more = len(values) - MAX_VALUES_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _referenced(to: str) -> str:
    """The model, seed or source table a ``relationships`` test points at: ``ref('x')`` -> x."""
    match = _REFERENCE.search(to)
    return match.group(1) if match else to
