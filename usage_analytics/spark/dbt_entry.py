"""The ``usage-analytics-dbt`` command: dbt, able to run the project's Python model on a local
Spark session.

dbt-spark runs a dbt Python model only on Databricks (its ``all_purpose_cluster`` and
``job_cluster`` submission methods call the Databricks API). With ``method: session`` the
Spark session is already in the dbt process, so the model's code can simply run there: this
entry point adds the submission method ``session`` (the project sets it for the Spark target
in dbt_project.yml), which executes dbt-spark's generated code (the model, then its
``saveAsTable``) against that session, then hands the command line to dbt unchanged. Without
dbt-spark installed it is plain dbt. The Dagster resources and ``make`` targets start dbt
through it; ``dbt`` itself still works for every model but that one on Spark.
"""

import os
import sys
from typing import Any

SUBMISSION_METHOD = "session"


def _add_session_submission() -> None:
    """Registers the ``session`` submission method with dbt-spark's adapter, when installed."""
    try:
        from dbt.adapters.base import PythonJobHelper
        from dbt.adapters.spark.impl import SparkAdapter
    except ImportError:  # the `spark` extra is not installed: nothing to add
        return

    class SessionPythonJobHelper(PythonJobHelper):
        """Runs a Python model's generated code in the dbt process's own Spark session."""

        def __init__(self, parsed_model: dict[str, Any], credentials: Any) -> None:
            self.name = str(parsed_model.get("unique_id", parsed_model.get("alias", "model")))

        def submit(self, compiled_code: str) -> None:
            from pyspark.sql import SparkSession

            code = compile(compiled_code, self.name, "exec")
            exec(code, {"spark": SparkSession.builder.getOrCreate()})  # noqa: S102 (dbt's code)

    helpers = SparkAdapter.python_submission_helpers.fget
    if helpers is None:
        return
    SparkAdapter.python_submission_helpers = property(  # type: ignore[method-assign]
        lambda adapter: {**helpers(adapter), SUBMISSION_METHOD: SessionPythonJobHelper}
    )


def _targets_spark(args: list[str]) -> bool:
    """Whether dbt will use the ``spark`` target: ``--target``/``-t`` or, as the profile reads
    it, ``USAGE_ANALYTICS_DBT_TARGET``. Loading dbt-spark costs a second other targets skip."""
    for position, arg in enumerate(args):
        if arg in ("--target", "-t") and position + 1 < len(args):
            return args[position + 1] == "spark"
        if arg.startswith("--target="):
            return arg.partition("=")[2] == "spark"
    return os.environ.get("USAGE_ANALYTICS_DBT_TARGET", "").strip() == "spark"


def main() -> None:
    """``usage-analytics-dbt ARGS...``: dbt ARGS... with the ``session`` submission method."""
    if _targets_spark(sys.argv[1:]):
        _add_session_submission()
    from dbt.cli.main import cli

    sys.exit(cli(prog_name="dbt"))  # dbt, as its own help and errors say
