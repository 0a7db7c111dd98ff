"""``usage-analytics report`` on the bundled sample, opened in a real (headless) Chromium: every
chart is drawn, the page logs no error, a screenshot is written beside it, and the numbers it
prints are the published marts'."""

import datetime as dt
import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from tests.conftest import query, run_cli
from usage_analytics.reporting.browser import find_chromium, render

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def chromium() -> str:
    """Chromium from the distribution's packages, installed here when it is missing (the
    README's test command installs it too)."""
    found = find_chromium()
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "chromium"],
        ):
            subprocess.run(command, check=False, capture_output=True, timeout=900)
        found = find_chromium()
    assert found, "Chromium is needed: apt-get install chromium (as root)"
    return found


@pytest.fixture(scope="module")
def report(
    published_sample: Path, chromium: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    out = tmp_path_factory.mktemp("report") / "index.html"
    result = run_cli(
        "report",
        "--warehouse",
        str(published_sample),
        "--out",
        str(out),
        env={"USAGE_ANALYTICS_CHROMIUM": chromium},
    )
    return {"result": result, "out": out, "serving": serving_of(published_sample)}


def serving_of(warehouse: Path) -> Path:
    return warehouse.with_name("warehouse.serving.duckdb")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_every_chart_is_drawn_and_a_screenshot_is_written(
    report: dict[str, object], chromium: str
) -> None:
    result = report["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    out: Path = report["out"]
    rendering = render(out, chromium)  # opened again, independently of the command
    assert len(rendering.chart_status) >= 15  # every section has its charts
    assert rendering.failed_charts == []
    assert rendering.errors == ""
    assert rendering.is_complete
    assert f"{len(rendering.chart_status)} of {len(rendering.chart_status)} charts drawn" in (
        result.stdout
    )
    width, height = png_size(out.with_suffix(".png"))
    assert width == 1440 and height >= rendering.page_height > 2000  # the whole page


def test_the_page_opens_from_disk_without_a_network(report: dict[str, object]) -> None:
    html = report["out"].read_text(encoding="utf-8")
    assert "vegaEmbed" in html  # the drawing code is in the page
    for reference in ('src="http', "src='http", 'href="http', "@import", "cdn.jsdelivr"):
        assert reference not in html


class Headlines(HTMLParser):
    """The headline cards: data-metric -> (data-value, the text shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, tuple[str, str]] = {}
        self._metric: str | None = None
        self._in_value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "data-metric" in attributes:
            self._metric = attributes["data-metric"]
            self.values[self._metric] = (attributes["data-value"] or "", "")
        self._in_value = attributes.get("class") == "value" and self._metric is not None

    def handle_data(self, data: str) -> None:
        if self._in_value and data.strip():
            value, _ = self.values[self._metric]
            self.values[self._metric] = (value, data.strip())
            self._in_value = False


def test_the_headline_numbers_are_the_marts(report: dict[str, object]) -> None:
    parser = Headlines()
    parser.feed(report["out"].read_text(encoding="utf-8"))
    shown = parser.values
    serving: Path = report["serving"]
    ((last,),) = query(serving, "select max(activity_date) from marts.agg_active_users")
    first = last - dt.timedelta(days=6)

    ((wau,),) = query(
        serving, "select wau from marts.agg_active_users where activity_date = ?", [last]
    )
    assert shown["active_users"] == (str(float(wau)), f"{wau:,}")

    # the sample's reporting time zone is UTC: a signup's day is its UTC date
    ((signups,),) = query(
        serving,
        "select count(*) from marts.dim_users where cast(signed_up_at as date) between ? and ?",
        [first, last],
    )
    assert shown["new_signups"] == (str(float(signups)), f"{signups:,}")

    # week-1 retention of the last cohort whose second week ended by the last day
    ((rate,),) = query(
        serving,
        "select retention_rate from marts.agg_retention"
        " where retention_name = 'weekly_signup_retention' and period_number = 1"
        " and cohort_start + 13 <= ? order by cohort_start desc limit 1",
        [last],
    )
    assert float(shown["week_1_retention"][0]) == pytest.approx(rate, abs=1e-12)
    assert shown["week_1_retention"][1] == f"{rate:.1%}"

    # net revenue of the 7 days: the daily mart's orders and payments minus refunds
    ((net_revenue,),) = query(
        serving,
        "select sum(net_revenue) from marts.agg_revenue_daily where revenue_date between ? and ?",
        [first, last],
    )
    assert net_revenue > 0
    assert float(shown["net_revenue"][0]) == pytest.approx(net_revenue, abs=1e-9)
    assert shown["net_revenue"][1] == f"{net_revenue:,.0f}"

    # onboarding: users who entered it in the period (step 1), and how many of them finished it
    ((entered, finished),) = query(
        serving,
        """
        select count(*), count(*) filter (where furthest_step_number = 5)
        from marts.fct_funnel_steps
        where funnel_name = 'onboarding' and step_number = 1
            and cast(reached_at as date) between ? and ?
        """,
        [first, last],
    )
    assert entered > 0
    assert float(shown["conversion:onboarding"][0]) == pytest.approx(finished / entered, abs=1e-12)


def test_the_report_never_opens_the_warehouse_a_run_writes(
    published_sample: Path, tmp_path: Path
) -> None:
    """While a writer holds the warehouse, the report (of the serving copy) is written."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(published_sample, warehouse)
    shutil.copyfile(serving_of(published_sample), tmp_path / "warehouse.serving.duckdb")
    writer = duckdb.connect(str(warehouse))  # holds the file's write lock
    try:
        result = run_cli("report", "--warehouse", str(warehouse), "--no-screenshot")
    finally:
        writer.close()
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "report" / "index.html").is_file()


def test_without_a_publication_the_report_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_cli("report", "--warehouse", str(tmp_path / "warehouse.duckdb"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no serving copy" in result.stderr
    assert "Traceback" not in result.stderr
