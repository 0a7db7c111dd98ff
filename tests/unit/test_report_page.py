"""The report's pieces that need no warehouse: periods, changes, the funnel's biggest drop,
the page's script-safe JSON, and reading back what Chromium drew."""

import datetime as dt
import json

import pandas as pd
import pytest

from usage_analytics.reporting.browser import Rendering, _RenderingParser
from usage_analytics.reporting.data import Headline, Period
from usage_analytics.reporting.page import _json_for_script, biggest_drop


def test_the_previous_period_has_the_same_length_and_ends_the_day_before() -> None:
    current = Period(dt.date(2026, 2, 23), dt.date(2026, 3, 1))
    assert current.before() == Period(dt.date(2026, 2, 16), dt.date(2026, 2, 22))
    assert str(current) == "2026-02-23 .. 2026-03-01"


@pytest.mark.parametrize(
    ("value", "previous", "change"),
    [
        (110.0, 100.0, 0.10),
        (0.5, 0.25, 1.0),
        (5.0, 0.0, None),
        (None, 3.0, None),
        (3.0, None, None),
    ],
)
def test_a_headline_s_change_is_relative_and_unknown_without_a_base(
    value: float | None, previous: float | None, change: float | None
) -> None:
    headline = Headline("k", "label", value, previous)
    assert (
        headline.change == pytest.approx(change) if change is not None else headline.change is None
    )


def test_the_biggest_drop_is_the_step_that_loses_the_most_users() -> None:
    # 100 -> 80 loses 20, 80 -> 30 loses 50, 30 -> 25 loses 5 (given out of order)
    steps = pd.DataFrame(
        {
            "step_number": [3, 1, 4, 2],
            "event_name": ["c", "a", "d", "b"],
            "count_users": [30, 100, 25, 80],
        }
    )
    before, after = biggest_drop(steps)
    assert (before["event_name"], after["event_name"]) == ("b", "c")
    assert biggest_drop(steps.head(1)) is None


def test_a_spec_cannot_end_the_script_element_it_is_embedded_in() -> None:
    spec = '{"title": "</script><script>alert(1)</script>", "n": 1}'
    safe = _json_for_script(spec)
    assert "</script>" not in safe and "<" not in safe
    assert json.loads(safe) == {"title": "</script><script>alert(1)</script>", "n": 1}


def parse(dom: str) -> Rendering:
    parser = _RenderingParser()
    parser.feed(dom)
    return parser.rendering


def test_a_page_is_complete_only_when_every_chart_drew_and_nothing_failed() -> None:
    drawn = (
        '<body data-report-status="done" data-page-height="4200">'
        '<div class="chart" id="chart-1" data-chart-status="drawn"></div>'
        '<div class="chart" id="chart-2" data-chart-status="drawn"></div>'
        '<pre id="report-errors"></pre></body>'
    )
    rendering = parse(drawn)
    assert rendering.is_complete and rendering.page_height == 4200
    assert not parse(drawn.replace('"drawn"></div><pre', '"empty"></div><pre')).is_complete
    broken = parse(drawn.replace("</pre>", "chart-2: Error: bad spec</pre>"))
    assert not broken.is_complete and broken.errors == "chart-2: Error: bad spec"
    # scripts that never finished, or a page without charts, are not complete either
    assert not parse(drawn.replace(' data-report-status="done"', "")).is_complete
    assert not parse('<body data-report-status="done"></body>').is_complete
