"""``make_report``: the report of a serving copy, and, with Chromium, its check and screenshot.

The ``report`` command and the Dagster ``report`` asset both call it.
"""

from dataclasses import dataclass
from pathlib import Path

from usage_analytics.reporting.browser import Rendering, render, screenshot
from usage_analytics.reporting.data import ReportOptions, read_report_data
from usage_analytics.reporting.page import write_report


@dataclass(frozen=True)
class Report:
    """What was written."""

    html: Path
    count_charts: int
    screenshot: Path | None = None
    rendering: Rendering | None = None  # what Chromium drew (None: not opened)


def screenshot_path(html: Path) -> Path:
    """The screenshot beside the report: ``index.html`` -> ``index.png``."""
    return html.with_suffix(".png")


def make_report(
    serving: Path,
    out: Path,
    *,
    options: ReportOptions | None = None,
    quality_page: Path | None = None,
    chromium: str | None = None,
) -> Report:
    """Writes the report of the serving copy ``serving`` to ``out``.

    With ``chromium`` (an executable) the page is opened headless: the charts' status is read
    back, and a screenshot of the whole page is written beside it (``screenshot_path``).

    Raises:
        ReportDataError: The serving copy holds no publication.
        BrowserError: Chromium could not open the page.
    """
    data = read_report_data(serving, options or ReportOptions())
    written = write_report(data, out, quality_page)
    if chromium is None:
        return Report(written.path, written.count_charts)
    rendering = render(written.path, chromium)
    png = screenshot(written.path, screenshot_path(written.path), chromium, rendering.page_height)
    return Report(written.path, written.count_charts, png, rendering)
