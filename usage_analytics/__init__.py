"""The warehouse's domain code: landing, privacy, publishing and quality, free of Dagster wiring.

Dagster definitions live in ``orchestration/``; they call into these packages.
"""

import importlib.metadata

__version__ = importlib.metadata.version("usage-analytics")
