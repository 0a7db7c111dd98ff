"""Configuration, read from environment variables in this one place.

Every path and knob that differs between a laptop, CI and production comes from an environment
variable read here; the dbt var defaults come from ``dbt_project/dbt_project.yml`` so that a
default lives in exactly one file.

| variable | default | meaning |
|---|---|---|
| ``USAGE_ANALYTICS_WAREHOUSE`` | ``data/warehouse.duckdb`` | the DuckDB warehouse file |
| ``USAGE_ANALYTICS_EVENTS_DIR`` | ``data/sample/events`` | the landing folder |
| ``USAGE_ANALYTICS_PII_SALT`` | a development salt | salt of the SHA-256 hashes of PII |
| ``USAGE_ANALYTICS_DBT_TARGET`` | ``duckdb`` | the dbt target of ``profiles.yml`` |
| ``USAGE_ANALYTICS_SCHEDULE_CRON`` | ``0 3 * * *`` | when the daily schedule runs |
| ``USAGE_ANALYTICS_SCHEDULE_TIMEZONE`` | ``UTC`` | the schedule's time zone |
| ``USAGE_ANALYTICS_LOCK_TIMEOUT_SECONDS`` | ``3600`` | how long a run waits for another |
| ``USAGE_ANALYTICS_LANDING_BATCH_BYTES`` | ``536870912`` | landing commits per ~this many bytes |
| ``USAGE_ANALYTICS_MAX_QUARANTINED_SHARE`` | ``0.05`` | gate: max quarantined share |
| ``USAGE_ANALYTICS_MAX_UNKNOWN_EVENT_SHARE`` | ``0.10`` | gate: max unknown-event share |
| ``USAGE_ANALYTICS_SHARE_MIN_LINES`` | ``100`` | smaller batches skip the two share gates |
| ``USAGE_ANALYTICS_VOLUME_BAND`` | ``0.5`` | warning: lines within median × (1 ± band) |
| ``USAGE_ANALYTICS_VOLUME_TRAILING_BATCHES`` | ``7`` | warning: batches in the median |
| ``USAGE_ANALYTICS_PARTITIONS_START`` | ``2026-01-01`` | first daily landing partition |
| ``USAGE_ANALYTICS_FRESHNESS_HOURS`` | ``26`` | warn when no event landed for this long |
| ``USAGE_ANALYTICS_SENSOR_INTERVAL_SECONDS`` | ``120`` | how often the new-files sensor looks |
| ``USAGE_ANALYTICS_DBT_UNIT_TESTS`` | ``0`` | ``1``: runs also execute the dbt unit tests |
| ``USAGE_ANALYTICS_DBT_RUNS_KEPT`` | ``10`` | dbt target folders of past builds kept |
"""

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = REPO_ROOT / "seeds"
DEV_PII_SALT = "usage-analytics-development-salt"


def dbt_var_defaults() -> dict[str, Any]:
    """The project's dbt vars and their defaults, as declared in dbt_project.yml."""
    with open(DBT_PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        project = yaml.safe_load(handle)
    return dict(project.get("vars", {}).get(project["name"], {}))


@dataclass(frozen=True)
class GateThresholds:
    """Thresholds of the Great Expectations gates (``expectations/``), from the environment."""

    max_quarantined_share: float = 0.05
    max_unknown_event_share: float = 0.10
    share_min_lines: int = 100
    volume_band: float = 0.5
    volume_trailing_batches: int = 7

    @classmethod
    def from_env(cls) -> "GateThresholds":
        """Reads ``USAGE_ANALYTICS_MAX_*`` and ``USAGE_ANALYTICS_VOLUME_*``.

        Raises:
            ValueError: When a value is not a number in its range.
        """
        defaults = cls()
        thresholds = cls(
            max_quarantined_share=_number(
                "USAGE_ANALYTICS_MAX_QUARANTINED_SHARE", defaults.max_quarantined_share
            ),
            max_unknown_event_share=_number(
                "USAGE_ANALYTICS_MAX_UNKNOWN_EVENT_SHARE", defaults.max_unknown_event_share
            ),
            share_min_lines=int(
                _number("USAGE_ANALYTICS_SHARE_MIN_LINES", defaults.share_min_lines)
            ),
            volume_band=_number("USAGE_ANALYTICS_VOLUME_BAND", defaults.volume_band),
            volume_trailing_batches=int(
                _number("USAGE_ANALYTICS_VOLUME_TRAILING_BATCHES", defaults.volume_trailing_batches)
            ),
        )
        for name in ("max_quarantined_share", "max_unknown_event_share"):
            if not 0 <= getattr(thresholds, name) <= 1:
                raise ValueError(f"{name} must lie in [0, 1], got {getattr(thresholds, name)}")
        if thresholds.volume_band < 0 or thresholds.volume_trailing_batches < 1:
            raise ValueError("the volume band must be >= 0 and the trailing batches >= 1")
        return thresholds


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one process."""

    warehouse_path: Path
    events_dir: Path
    pii_salt: str
    dbt_target: str
    schedule_cron: str
    schedule_timezone: str
    lock_timeout_seconds: float
    landing_batch_bytes: int = 512 * 1024 * 1024
    partitions_start: dt.date = dt.date(2026, 1, 1)
    freshness_hours: float = 26.0
    sensor_interval_seconds: int = 120
    # dbt unit tests check the SQL on fixed fixtures, not the data: dbt advises running them in
    # development and CI only, so production builds leave them out (the test suite runs them)
    dbt_unit_tests: bool = False
    dbt_runs_kept: int = 10

    @classmethod
    def from_env(cls) -> "Settings":
        """Reads the environment (relative paths are taken from the repository root)."""
        return cls(
            warehouse_path=_path("USAGE_ANALYTICS_WAREHOUSE", "data/warehouse.duckdb"),
            events_dir=_path("USAGE_ANALYTICS_EVENTS_DIR", "data/sample/events"),
            pii_salt=os.environ.get("USAGE_ANALYTICS_PII_SALT", DEV_PII_SALT),
            dbt_target=os.environ.get("USAGE_ANALYTICS_DBT_TARGET", "duckdb"),
            schedule_cron=os.environ.get("USAGE_ANALYTICS_SCHEDULE_CRON", "0 3 * * *"),
            schedule_timezone=os.environ.get("USAGE_ANALYTICS_SCHEDULE_TIMEZONE", "UTC"),
            lock_timeout_seconds=float(
                os.environ.get("USAGE_ANALYTICS_LOCK_TIMEOUT_SECONDS", "3600")
            ),
            landing_batch_bytes=int(
                _number("USAGE_ANALYTICS_LANDING_BATCH_BYTES", 512 * 1024 * 1024)
            ),
            partitions_start=_date("USAGE_ANALYTICS_PARTITIONS_START", dt.date(2026, 1, 1)),
            freshness_hours=_number("USAGE_ANALYTICS_FRESHNESS_HOURS", 26.0),
            sensor_interval_seconds=int(_number("USAGE_ANALYTICS_SENSOR_INTERVAL_SECONDS", 120)),
            dbt_unit_tests=_flag("USAGE_ANALYTICS_DBT_UNIT_TESTS"),
            dbt_runs_kept=_count("USAGE_ANALYTICS_DBT_RUNS_KEPT", 10),
        )

    def export(self) -> None:
        """Writes the settings back to the environment, so that dbt subprocesses see them."""
        os.environ["USAGE_ANALYTICS_WAREHOUSE"] = str(self.warehouse_path)
        os.environ["USAGE_ANALYTICS_EVENTS_DIR"] = str(self.events_dir)
        os.environ["USAGE_ANALYTICS_DBT_TARGET"] = self.dbt_target
        # The `dbt` executable sits beside this interpreter; a venv need not be activated.
        scripts = str(Path(sys.executable).parent)
        if scripts not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def _number(variable: str, default: float) -> float:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError as error:
        raise ValueError(f"{variable} must be a number, got {value!r}") from error


def _count(variable: str, default: int) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValueError(f"{variable} must be a whole number >= 0, got {value!r}")
    return int(value)


def _flag(variable: str) -> bool:
    value = os.environ.get(variable, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValueError(f"{variable} must be 1 or 0, got {value!r}")


def _date(variable: str, default: dt.date) -> dt.date:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"{variable} must be a date (YYYY-MM-DD), got {value!r}") from error


def _path(variable: str, default: str) -> Path:
    value = Path(os.environ.get(variable, default)).expanduser()
    return value if value.is_absolute() else (REPO_ROOT / value).resolve()
