"""The environment of a run's dbt process (dbt's own flag variables never reach it), and what
of dagster-dbt's logging a run keeps.

dbt reads many of its command-line flags from ``DBT_*`` environment variables, and
``DbtCliResource`` passes the whole environment on. Some of them silently change a run's
outcome: ``DBT_QUIET=true`` or ``DBT_LOG_LEVEL=none`` empty the structured log dagster-dbt reads
from dbt's stdout, so the build reports no model built and the publish step is skipped while the
run looks successful; ``DBT_EMPTY`` builds empty models; ``DBT_DEFER``/``DBT_STATE`` build
against another project's state. A run sets every flag it needs on the command line
(``orchestration/defs/dbt/assets.py``, dagster-dbt's own), so these are taken out of the child's
environment for the call. Variables that hold the user's data (``DBT_ENV_SECRET_*``,
``DBT_ENV_CUSTOM_ENV_*``, anything a profile reads with ``env_var``) stay.
"""

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

# dagster-dbt logs through ``dagster.get_dagster_logger()``
DAGSTER_DBT_LOGGER = "dagster.builtin"

# what dbt prints (dagster-dbt needs the structured log on stdout), and what and how it builds
DBT_FLAG_VARIABLES = (
    "DBT_QUIET",
    "DBT_NO_PRINT",
    "DBT_PRINT",
    "DBT_LOG_LEVEL",
    "DBT_LOG_FORMAT",
    "DBT_PRINTER_WIDTH",
    "DBT_USE_COLORS",
    "DBT_DEBUG",
    "DBT_EMPTY",
    "DBT_SAMPLE",
    "DBT_EVENT_TIME_START",
    "DBT_EVENT_TIME_END",
    "DBT_DEFER",
    "DBT_DEFER_STATE",
    "DBT_DEFER_TO_STATE",
    "DBT_FAVOR_STATE",
    "DBT_FAVOR_STATE_MODE",
    "DBT_STATE",
    "DBT_RESOURCE_TYPES",
    "DBT_EXCLUDE_RESOURCE_TYPES",
    "DBT_INDIRECT_SELECTION",
    "DBT_PROFILE",
    "DBT_TARGET",
    "DBT_FULL_REFRESH",
    "DBT_WARN_ERROR",
    "DBT_WARN_ERROR_OPTIONS",
)


@contextmanager
def dbt_child_environment(settings: Mapping[str, str] | None = None) -> Iterator[list[str]]:
    """Takes dbt's flag variables out of ``os.environ`` while a dbt process is started, and
    sets ``settings`` (variables the profile reads) for it.

    Yields:
        The names of the flag variables that were set (and are put back afterwards).
    """
    settings = settings or {}
    removed = {name: os.environ.pop(name) for name in DBT_FLAG_VARIABLES if name in os.environ}
    replaced = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield sorted(removed)
    finally:
        os.environ.update(removed)
        for name, value in replaced.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class RepeatedObservationWarnings(logging.Filter):
    """Lets the first of dagster-dbt's "Logging an `AssetObservation` instead of an
    `AssetCheckResult`" warnings through and counts the others.

    dagster-dbt warns once per dbt test that ran without being one of the run's asset checks
    (source tests, singular tests that read several models): twenty identical paragraphs a run.
    The observations themselves are still recorded.
    """

    PREFIX = "Logging an `AssetObservation` instead of an `AssetCheckResult`"

    def __init__(self) -> None:
        super().__init__()
        self.count_dropped = 0
        self._seen = False

    def filter(self, record: logging.LogRecord) -> bool:
        """False (drop) for every such warning after the first."""
        if not str(record.msg).startswith(self.PREFIX):
            return True
        if self._seen:
            self.count_dropped += 1
            return False
        self._seen = True
        record.msg = f"{record.msg}\n\n(Further such warnings of this step are counted, not shown.)"
        return True


@contextmanager
def observation_warnings_once() -> Iterator[RepeatedObservationWarnings]:
    """Installs ``RepeatedObservationWarnings`` on dagster-dbt's logger for the block."""
    log = logging.getLogger(DAGSTER_DBT_LOGGER)
    repeated = RepeatedObservationWarnings()
    log.addFilter(repeated)
    try:
        yield repeated
    finally:
        log.removeFilter(repeated)
