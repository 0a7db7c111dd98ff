"""Fault injection for the kill-and-rerun tests: named points where a run can be held.

When ``USAGE_ANALYTICS_FAULT_PAUSE`` names a point, the run writes the marker file
``USAGE_ANALYTICS_FAULT_MARKER`` on reaching it and then waits there, so that a test can kill the
whole process group at a known moment. Unset (always, outside the tests) it does nothing.
"""

import os
import time
from pathlib import Path

PAUSE_ENV = "USAGE_ANALYTICS_FAULT_PAUSE"
MARKER_ENV = "USAGE_ANALYTICS_FAULT_MARKER"
MAX_PAUSE_SECONDS = 600.0


class FaultPauseTimeout(RuntimeError):
    """Nobody killed the run within MAX_PAUSE_SECONDS of reaching the fault point."""


def fault_point(name: str) -> None:
    """Holds the run at ``name`` when the environment asks for it; otherwise returns at once."""
    if os.environ.get(PAUSE_ENV) != name:
        return
    marker = os.environ.get(MARKER_ENV)
    if marker:
        Path(marker).write_text(f"{name} {os.getpid()}\n")
    deadline = time.monotonic() + MAX_PAUSE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)
    raise FaultPauseTimeout(f"fault point {name} was not killed within {MAX_PAUSE_SECONDS}s")
