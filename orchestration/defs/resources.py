"""Every setting of the code location, as Dagster resources: the one place they are read.

Each setting is a field of a resource (or of ``Scheduling``, for what the definitions need when
they load); ``ENVIRONMENT`` names the variable that sets it, and docs/configuration.md lists them
all (a test keeps the two in step). ``usage-analytics`` passes its options (``--warehouse``,
``--events``, ``--vars``) to the run as run config (``orchestration/run.py``).

String settings are handed to Dagster as ``EnvVar``s, resolved when a run starts (the UI shows the
variable, never a secret's value); Dagster's ``EnvVar`` resolves to strings and integers only,
so numbers, flags and paths are read when the definitions load and validated by the fields.
"""

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
import duckdb
import pydantic
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from pydantic import Field, ValidationInfo, field_validator

from orchestration.dbt_project import (
    MANIFEST_TARGET,
    READ_ONLY_TARGETS,
    dbt_child_executable,
    dbt_project,
    profile_targets,
)
from usage_analytics.dbt_vars import dbt_vars_argument, effective_vars
from usage_analytics.paths import REPO_ROOT, from_repo_root
from usage_analytics.publishing.serving import default_serving_path
from usage_analytics.warehouse.engine import (
    DEFAULT_MEMORY_LIMIT,
    MEMORY_LIMIT_ENV,
    TEMP_DIRECTORY_ENV,
    THREADS_ENV,
    WAREHOUSE_ENV,
    EngineSettings,
    checked_memory_limit,
    out_of_memory_message,
)
from usage_analytics.warehouse.lock import exclusive_warehouse
from usage_analytics.warehouse.read import read_only

DEV_PII_SALT = "usage-analytics-development-salt"
READ_ONLY_WAIT_SECONDS = 300.0  # a reader waits this long for a writer to let go of the file


class Warehouse(DuckDBResource):
    """The DuckDB warehouse, held for the whole run: one writer at a time.

    Setting the resource up takes the warehouse's file lock (``<warehouse>.lock``, the one the
    ``usage-analytics`` commands take) and tearing it down releases it. With the in-process
    executor the resource lives as long as the run, so a run the Dagster daemon launches (the
    schedule, the sensor, the UI) and a ``usage-analytics`` command on the same file queue for
    each other. A run started by a command shares the command's lock (it is re-entrant).
    """

    database: str = Field(
        default=str(REPO_ROOT / "data" / "warehouse.duckdb"),
        description="The DuckDB warehouse file (a relative path is taken from the repository).",
    )
    lock_timeout_seconds: float = Field(
        default=3600.0, gt=0, description="How long a run waits for another run's lock."
    )
    serving_database: str = Field(
        default="",
        description="The serving copy BI tools open: the published marts, replaced whole at each"
        " publication (empty: <warehouse stem>.serving.duckdb beside the warehouse).",
    )
    memory_limit: str = Field(
        default=DEFAULT_MEMORY_LIMIT,
        description="DuckDB's memory limit for every connection of a run (landing, dbt, gates,"
        " publish): beyond it DuckDB spills to the temp directory.",
    )
    threads: int = Field(default=0, ge=0, le=1024, description="DuckDB threads (0: one per core).")
    temp_directory: str = Field(
        default="",
        description="Where DuckDB spills what does not fit in memory (empty: <warehouse>.tmp"
        " beside the warehouse).",
    )

    @property
    def path(self) -> Path:
        """The warehouse file, absolute."""
        return from_repo_root(self.database)

    @property
    def serving_path(self) -> Path:
        """The serving copy of the published marts, absolute."""
        if self.serving_database:
            return from_repo_root(self.serving_database)
        return default_serving_path(self.path)

    @property
    def engine(self) -> EngineSettings:
        """DuckDB's memory limit, threads and spill folder for this warehouse."""
        return EngineSettings(
            memory_limit=self.memory_limit,
            threads=self.threads,
            temp_directory=from_repo_root(self.temp_directory) if self.temp_directory else None,
        )

    @field_validator("memory_limit")
    @classmethod
    def _valid_memory_limit(cls, value: str) -> str:
        return checked_memory_limit(value)

    @field_validator("serving_database")
    @classmethod
    def _serving_copy_is_another_file(cls, value: str, info: ValidationInfo) -> str:
        database = info.data.get("database")
        if value and database and from_repo_root(value) == from_repo_root(database):
            raise ValueError(f"the serving copy must be another file than the warehouse {value}")
        return value

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["Warehouse"]:
        """Holds the lock for the run; the dbt subprocesses read the same file (profiles.yml).

        A sensor's tick only looks at the warehouse: it holds nothing.
        """
        if context.run is None:
            yield self
            return
        os.environ[WAREHOUSE_ENV] = str(self.path)
        os.environ.update(self.engine.environment(self.path))
        log = context.log
        with exclusive_warehouse(
            self.path,
            timeout_seconds=self.lock_timeout_seconds,
            on_wait=None if log is None else log.info,
        ):
            yield self

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection with the engine settings (``memory_limit``, ``threads``,
        ``temp_directory``).

        Raises:
            dagster.Failure: DuckDB ran out of memory: one line naming the setting to change.
        """
        config = {**self.connection_config, **self.engine.duckdb_config(self.path)}
        con = duckdb.connect(str(self.path), config=config)
        try:
            yield con
        except duckdb.OutOfMemoryException as error:
            raise dg.Failure(
                description=out_of_memory_message("the step", self.engine, error)
            ) from error
        finally:
            con.close()

    def read_only(
        self, wait_seconds: float = READ_ONLY_WAIT_SECONDS
    ) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A read-only connection with the engine settings; waits while another process
        writes the file.

        Raises:
            duckdb.IOException: The file stayed locked for ``wait_seconds``.
        """
        return read_only(self.path, wait_seconds, self.engine.duckdb_config(self.path))


class Landing(dg.ConfigurableResource):
    """Where event files arrive and how they land (CONTRACT §1)."""

    events_dir: str = Field(
        default=str(REPO_ROOT / "data" / "sample" / "events"),
        description="The landing folder, searched recursively for NDJSON files.",
    )
    pii_salt: str = Field(
        default=DEV_PII_SALT, description="Salt of the SHA-256 hashes of personal data."
    )
    batch_bytes: int = Field(
        default=512 * 1024 * 1024,
        gt=0,
        description="Landing commits one transaction per batch of about this many bytes.",
    )
    max_clock_skew_seconds: int = Field(
        default=300,
        ge=0,
        description="A line whose received_at is later than the landing time plus this is"
        " quarantined (received_at_in_future).",
    )

    @property
    def folder(self) -> Path:
        """The landing folder, absolute."""
        return from_repo_root(self.events_dir)

    @property
    def max_clock_skew(self) -> dt.timedelta:
        """How far past the landing time a line's received_at may lie."""
        return dt.timedelta(seconds=self.max_clock_skew_seconds)


class QualityGates(dg.ConfigurableResource):
    """Thresholds of the Great Expectations gates on landed batches, and of freshness."""

    max_quarantined_share: float = Field(
        default=0.05, ge=0, le=1, description="Gate: the largest share of quarantined lines."
    )
    max_unknown_event_share: float = Field(
        default=0.10, ge=0, le=1, description="Gate: the largest share of unknown events."
    )
    max_duplicate_rate: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Gate: the largest duplicate rate, 1 - distinct event ids / valid lines.",
    )
    share_min_lines: int = Field(
        default=100, ge=0, description="Smaller batches skip the three share gates."
    )
    volume_band: float = Field(
        default=0.5, ge=0, description="Warning: lines within the median × (1 ± band)."
    )
    volume_trailing_batches: int = Field(
        default=7, ge=1, description="Warning: how many earlier batches make the median."
    )
    freshness_hours: float = Field(
        default=26.0, gt=0, description="Warning: no event landed for this many hours."
    )


class DbtBuild(dg.ConfigurableResource):
    """How a run calls dbt: its vars (validated before anything runs) and its unit tests."""

    dbt_vars: str = Field(
        default="",
        description="dbt vars of the run, a YAML mapping over dbt_project.yml's defaults.",
    )
    unit_tests: bool = Field(
        default=False,
        description="Also run the dbt unit tests (development and CI; production leaves them"
        " out, as dbt advises).",
    )
    target: str = Field(
        default=MANIFEST_TARGET,
        description="The target of dbt_project/profiles.yml the build runs on: duckdb, or"
        " spark (a local Spark session, docs/spark.md).",
    )

    @field_validator("dbt_vars")
    @classmethod
    def _valid_vars(cls, value: str) -> str:
        effective_vars(value)  # every var known and its value accepted (VarError otherwise)
        return value

    @field_validator("target")
    @classmethod
    def _buildable_target(cls, value: str) -> str:
        buildable = [name for name in profile_targets() if name not in READ_ONLY_TARGETS]
        if value not in buildable:
            raise ValueError(
                f"{value!r} is not a target of dbt_project/profiles.yml that builds"
                f" ({', '.join(buildable)})"
            )
        return value

    @property
    def engine(self) -> str:
        """The adapter type of the target (``duckdb``, ``spark``)."""
        return profile_targets()[self.target]

    def effective_vars(self) -> dict[str, Any]:
        """The project's dbt var defaults overridden by this run's vars."""
        return effective_vars(self.dbt_vars)

    def dbt_vars_argument(self) -> str:
        """dbt's ``--vars`` for this run: the validated, typed vars as JSON ("" for none)."""
        return dbt_vars_argument(self.dbt_vars)


class Scheduling(pydantic.BaseModel):
    """What the definitions need when they load: partitions, the schedule and the sensor."""

    partitions_start: dt.date = Field(
        default=dt.date(2026, 1, 1), description="The first daily landing partition."
    )
    schedule_cron: str = Field(default="0 3 * * *", description="When the daily run starts.")
    schedule_timezone: str = Field(default="UTC", description="The schedule's time zone.")
    sensor_interval_seconds: int = Field(
        default=120, gt=0, description="How often the new-files sensor looks."
    )


class Commands(pydantic.BaseModel):
    """How ``usage-analytics`` runs the pipeline in its own process."""

    ephemeral_instance: bool = Field(
        default=False,
        description="Run in a throwaway Dagster instance instead of recording the run in"
        " DAGSTER_HOME (default: the repository's .dagster_home), where the UI shows it.",
    )


# environment variable -> (resource key, field)
ENVIRONMENT: dict[str, tuple[str, str]] = {
    WAREHOUSE_ENV: ("warehouse", "database"),
    "USAGE_ANALYTICS_LOCK_TIMEOUT_SECONDS": ("warehouse", "lock_timeout_seconds"),
    "USAGE_ANALYTICS_SERVING_WAREHOUSE": ("warehouse", "serving_database"),
    MEMORY_LIMIT_ENV: ("warehouse", "memory_limit"),
    THREADS_ENV: ("warehouse", "threads"),
    TEMP_DIRECTORY_ENV: ("warehouse", "temp_directory"),
    "USAGE_ANALYTICS_EVENTS_DIR": ("landing", "events_dir"),
    "USAGE_ANALYTICS_PII_SALT": ("landing", "pii_salt"),
    "USAGE_ANALYTICS_LANDING_BATCH_BYTES": ("landing", "batch_bytes"),
    "USAGE_ANALYTICS_MAX_CLOCK_SKEW_SECONDS": ("landing", "max_clock_skew_seconds"),
    "USAGE_ANALYTICS_MAX_QUARANTINED_SHARE": ("quality_gates", "max_quarantined_share"),
    "USAGE_ANALYTICS_MAX_UNKNOWN_EVENT_SHARE": ("quality_gates", "max_unknown_event_share"),
    "USAGE_ANALYTICS_MAX_DUPLICATE_RATE": ("quality_gates", "max_duplicate_rate"),
    "USAGE_ANALYTICS_SHARE_MIN_LINES": ("quality_gates", "share_min_lines"),
    "USAGE_ANALYTICS_VOLUME_BAND": ("quality_gates", "volume_band"),
    "USAGE_ANALYTICS_VOLUME_TRAILING_BATCHES": ("quality_gates", "volume_trailing_batches"),
    "USAGE_ANALYTICS_FRESHNESS_HOURS": ("quality_gates", "freshness_hours"),
    "USAGE_ANALYTICS_DBT_UNIT_TESTS": ("dbt_build", "unit_tests"),
    "USAGE_ANALYTICS_DBT_TARGET": ("dbt_build", "target"),
    "USAGE_ANALYTICS_PARTITIONS_START": ("scheduling", "partitions_start"),
    "USAGE_ANALYTICS_SCHEDULE_CRON": ("scheduling", "schedule_cron"),
    "USAGE_ANALYTICS_SCHEDULE_TIMEZONE": ("scheduling", "schedule_timezone"),
    "USAGE_ANALYTICS_SENSOR_INTERVAL_SECONDS": ("scheduling", "sensor_interval_seconds"),
    "USAGE_ANALYTICS_EPHEMERAL_INSTANCE": ("commands", "ephemeral_instance"),
}
# the command-line options that set a field, where not named after it
OPTIONS = {"database": "--warehouse", "events_dir": "--events", "dbt_vars": "--vars"}
PATH_FIELDS = {
    ("warehouse", "database"),
    ("warehouse", "serving_database"),
    ("warehouse", "temp_directory"),
    ("landing", "events_dir"),
}
# string settings read and validated when the definitions load, not handed over as EnvVars
LOAD_TIME_FIELDS = PATH_FIELDS | {("warehouse", "memory_limit"), ("dbt_build", "target")}

Model = TypeVar("Model", bound=pydantic.BaseModel)


class SettingError(ValueError):
    """An environment variable whose value its setting does not accept."""


def from_env(key: str, model: type[Model], **overrides: Any) -> Model:
    """``model`` with the fields that ``ENVIRONMENT`` gives ``key`` read from the environment.

    Args:
        key: The resource key (``warehouse``, ``landing``, ...).
        model: The resource class.
        overrides: Values that win over the environment (command-line options).

    Raises:
        SettingError: naming the variable and its value.
    """
    fields: dict[str, Any] = {}
    for variable, (owner, name) in ENVIRONMENT.items():
        value = os.environ.get(variable, "").strip()
        if owner != key or not value or name in overrides:
            continue
        if (owner, name) in PATH_FIELDS:
            fields[name] = str(from_repo_root(value))
        elif (owner, name) in LOAD_TIME_FIELDS:
            fields[name] = value
        elif (
            issubclass(model, dg.ConfigurableResource)
            and model.model_fields[name].annotation is str
        ):
            fields[name] = dg.EnvVar(variable)  # Dagster resolves it when a run starts
        else:
            fields[name] = value
    try:
        return model(**fields, **overrides)
    except pydantic.ValidationError as error:
        problem = error.errors()[0]
        name = str(problem["loc"][0]) if problem["loc"] else "?"
        message = str(problem["msg"]).removeprefix("Value error, ")
        if name in overrides:  # a command-line option
            option = OPTIONS.get(name, f"--{name.replace('_', '-')}")
            raise SettingError(f"{option} {overrides[name]!r}: {message}") from error
        variable = next((v for v, owned in ENVIRONMENT.items() if owned == (key, name)), name)
        raise SettingError(f"{variable}={os.environ.get(variable, '')!r}: {message}") from error


def value_of(setting: str) -> str:
    """A string setting's value, whether given as it is or as an ``EnvVar``."""
    return (setting.get_value() or "") if isinstance(setting, dg.EnvVar) else setting


def build_resources() -> dict[str, Any]:
    """The resources every asset, check and sensor of the code location uses."""
    project = dbt_project()
    return {
        "warehouse": from_env("warehouse", Warehouse),
        "landing": from_env("landing", Landing),
        "quality_gates": from_env("quality_gates", QualityGates),
        "dbt_build": from_env("dbt_build", DbtBuild),
        "dbt": DbtCliResource(
            project_dir=project,  # no target: the build names the run's (DbtBuild.target)
            dbt_executable=dbt_child_executable(),  # dies with the run (kill -9 too)
        ),
    }
