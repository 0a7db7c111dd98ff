"""Opens the report in headless Chromium: did every chart draw, and a screenshot of the page.

The page marks each chart element ``data-chart-status`` (``drawn`` once Vega drew marks into it,
``empty`` or ``failed`` otherwise) and writes every script or console error into
``#report-errors``; Chromium's ``--dump-dom`` gives the page as it stands after its scripts ran
(``--virtual-time-budget`` lets them finish), which is parsed here.
"""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM_ENV = "USAGE_ANALYTICS_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
WINDOW_WIDTH = 1440
VIRTUAL_TIME_BUDGET_MS = 20000
TIMEOUT_SECONDS = 180


class BrowserError(RuntimeError):
    """Chromium could not open the page."""


@dataclass
class Rendering:
    """What the page held after its scripts ran."""

    chart_status: dict[str, str] = field(default_factory=dict)  # chart id -> status
    errors: str = ""
    is_done: bool = False
    page_height: int = 0

    @property
    def failed_charts(self) -> list[str]:
        """The charts that were not drawn."""
        return [chart for chart, status in self.chart_status.items() if status != "drawn"]

    @property
    def is_complete(self) -> bool:
        """Every chart drawn, no error, the page's scripts done."""
        drawn = bool(self.chart_status) and not self.failed_charts
        return self.is_done and drawn and not self.errors


def find_chromium() -> str | None:
    """The Chromium executable: ``USAGE_ANALYTICS_CHROMIUM``, else the first on PATH."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return shutil.which(configured)
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def render(page: Path, chromium: str) -> Rendering:
    """Opens ``page`` headless and reads the charts' status from the resulting DOM."""
    dom = _chromium(chromium, page, ["--dump-dom"])
    parser = _RenderingParser()
    parser.feed(dom)
    return parser.rendering


def screenshot(page: Path, png: Path, chromium: str, height: int) -> Path:
    """A PNG of the whole page (``height`` CSS pixels tall, as ``render`` measured it)."""
    png.parent.mkdir(parents=True, exist_ok=True)
    _chromium(
        chromium,
        page,
        [f"--screenshot={png}", f"--window-size={WINDOW_WIDTH},{max(height, 600)}"],
    )
    if not png.is_file():
        raise BrowserError(f"Chromium wrote no screenshot of {page}")
    return png


def _chromium(chromium: str, page: Path, arguments: list[str]) -> str:
    with tempfile.TemporaryDirectory(prefix="usage-analytics-chromium-") as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",  # root in containers and CI
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
            *arguments,
            page.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BrowserError(f"Chromium could not open {page}: {error}") from None
    if done.returncode != 0:
        last_line = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BrowserError(f"Chromium exited {done.returncode} on {page}: {last_line}")
    return done.stdout


class _RenderingParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rendering = Rendering()
        self._in_errors = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "data-chart-status" in attributes and attributes.get("id"):
            self.rendering.chart_status[str(attributes["id"])] = str(
                attributes["data-chart-status"]
            )
        if tag == "body":
            self.rendering.is_done = attributes.get("data-report-status") == "done"
            self.rendering.page_height = int(attributes.get("data-page-height") or 0)
        self._in_errors = attributes.get("id") == "report-errors"

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_errors = False

    def handle_data(self, data: str) -> None:
        if self._in_errors:
            self.rendering.errors += data
