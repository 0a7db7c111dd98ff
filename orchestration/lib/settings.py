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
"""

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
class Settings:
    """Resolved configuration of one process."""

    warehouse_path: Path
    events_dir: Path
    pii_salt: str
    dbt_target: str
    schedule_cron: str
    schedule_timezone: str
    lock_timeout_seconds: float

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


def _path(variable: str, default: str) -> Path:
    value = Path(os.environ.get(variable, default)).expanduser()
    return value if value.is_absolute() else (REPO_ROOT / value).resolve()
