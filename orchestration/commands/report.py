"""``report``: the HTML page of the published marts' charts, read from the serving copy."""

import argparse
from pathlib import Path

from orchestration.output import fail


def report(args: argparse.Namespace) -> int:
    """Writes the report of the serving copy of ``--warehouse`` (never the warehouse itself,
    so it runs while a run writes), and with Chromium on the machine a screenshot beside it.

    Exit codes: 0 written (and, when opened in Chromium, every chart drawn); 1 Chromium opened
    it and a chart was not drawn or the page logged an error; 2 bad options, no serving copy
    yet, or Chromium could not open the page.
    """
    from orchestration.commands.build import path_option
    from orchestration.defs.resources import Warehouse, from_env
    from usage_analytics.quality.gates import quality_page_path
    from usage_analytics.reporting.browser import BrowserError, find_chromium
    from usage_analytics.reporting.data import ReportDataError, ReportOptions
    from usage_analytics.reporting.page import report_page_path
    from usage_analytics.reporting.report import make_report

    try:
        warehouse = from_env("warehouse", Warehouse, **path_option("database", args.warehouse))
    except ValueError as error:
        return fail("report", error, 2)
    out = (args.out or report_page_path(warehouse.path)).expanduser().resolve()
    if out.is_dir():
        return fail("report", f"--out {str(out)!r} is a folder, not a file", 2)
    chromium = None
    if args.screenshot:
        chromium = find_chromium()
        if chromium is None:
            print("usage-analytics report: no Chromium found: no screenshot (--no-screenshot)")
    options = ReportOptions(
        period_days=args.period_days,
        retention_name=args.retention,
        path_event=args.path_event or "",
    )
    try:
        written = make_report(
            warehouse.serving_path,
            out,
            options=options,
            quality_page=quality_page_path(warehouse.path),
            chromium=chromium,
        )
    except (ReportDataError, BrowserError) as error:
        return fail("report", error, 2)
    except OSError as error:
        return fail("report", f"cannot write {str(out)!r}: {error.strerror}", 2)
    print(f"usage-analytics report: {written.html} ({written.count_charts} charts)")
    if written.rendering is None:
        return 0
    rendering = written.rendering
    print(
        f"usage-analytics report: {len(rendering.chart_status) - len(rendering.failed_charts)}"
        f" of {len(rendering.chart_status)} charts drawn in Chromium; screenshot"
        f" {written.screenshot}"
    )
    if not rendering.is_complete:
        problem = rendering.errors.strip().splitlines()[:1] or rendering.failed_charts[:3]
        return fail("report", f"the page did not draw completely: {problem}", 1)
    return 0


def add_report_command(commands: argparse._SubParsersAction) -> None:
    """The ``report`` command's options."""
    command = commands.add_parser(
        "report", help="write the HTML report of the published marts (and a screenshot)"
    )
    command.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file whose serving copy is read (default data/warehouse.duckdb)",
    )
    command.add_argument(
        "--out", type=Path, help="HTML file to write (default <warehouse dir>/report/index.html)"
    )
    command.add_argument(
        "--screenshot",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="open the page in headless Chromium, check every chart drew, and write a PNG"
        " beside it (default: when Chromium is installed)",
    )
    command.add_argument(
        "--period-days",
        type=int,
        choices=range(1, 92),
        default=7,
        metavar="N",
        help="headline period in days, compared with the N days before (default 7)",
    )
    command.add_argument(
        "--retention",
        default="weekly_signup_retention",
        help="retention definition of the week-1 headline and the segment breakdown",
    )
    command.add_argument(
        "--path-event", help="show the top next events after this event (default: signup_event)"
    )
    command.set_defaults(handler=report)
