"""Writes the report: one HTML file that opens from disk, with no server and no network.

The charts are Vega-Lite specifications (``charts.py``) drawn by Vega's JavaScript, which
``vl-convert`` bundles and the page inlines once. Bundling takes a few seconds, so the bundle
is kept in the user's cache folder, one file per vl-convert and Vega-Lite version.
"""

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import jinja2
import pandas as pd

from usage_analytics.reporting import charts
from usage_analytics.reporting.data import Headline, ReportData

REPORT_TITLE = "Product usage report"
SIGNIFICANCE = 0.05  # GrowthBook's default alpha


@dataclass(frozen=True)
class ChartBlock:
    """One chart of the page: its element id and Vega-Lite specification (JSON text)."""

    chart_id: str
    spec: str


@dataclass(frozen=True)
class Section:
    """A titled part of the page: a sentence saying what to look at, then its charts."""

    title: str
    summary: str
    charts: list[ChartBlock]
    points: list[str] = field(default_factory=list)  # sentences shown as a list


@dataclass(frozen=True)
class WrittenReport:
    """What ``write_report`` wrote."""

    path: Path
    count_charts: int


def report_page_path(warehouse: Path) -> Path:
    """``<warehouse dir>/report/index.html``, the report's default place."""
    return warehouse.parent / "report" / "index.html"


def write_report(data: ReportData, out: Path, quality_page: Path | None = None) -> WrittenReport:
    """Renders ``data`` into ``out`` (written to a temporary file, then renamed over it).

    Args:
        data: The sections' tables.
        out: The HTML file to write.
        quality_page: The quality page of the warehouse, linked from the gate section (a run
            writes it when it ends, after the report asset).
    """
    sections = _sections(data)
    quality_link = None
    if quality_page is not None:
        quality_link = os.path.relpath(quality_page.resolve(), out.parent.resolve())
    html = (
        _templates()
        .get_template("report.html.j2")
        .render(
            title=REPORT_TITLE,
            data=data,
            headlines=data.headlines,
            findings=_findings(data),
            sections=sections,
            gates=data.gates.to_dict("records"),
            count_gates_failed=int((data.gates["status"] != "PASS").sum()),
            quality_link=quality_link,
            vega_bundle=vega_bundle(),
            format_value=_format_value,
            format_change=_format_change,
        )
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(out, html)
    return WrittenReport(out, sum(len(section.charts) for section in sections))


def _sections(data: ReportData) -> list[Section]:
    numbered = iter(range(1, 1000))

    def blocks(*items: alt.TopLevelMixin | None) -> list[ChartBlock]:
        return [
            ChartBlock(f"chart-{next(numbered)}", item.to_json(indent=None))
            for item in items
            if item is not None
        ]

    funnel_names = list(dict.fromkeys(data.funnels["funnel_name"]))
    retention_names = list(dict.fromkeys(data.retention["retention_name"]))
    return [
        Section(
            "Active users",
            "Distinct users with an active event per day, trailing 7 and 30 days; stickiness is "
            "DAU / MAU, the share of a month's users who come on a given day.",
            blocks(charts.active_users(data.active_users), charts.stickiness(data.active_users)),
        ),
        Section(
            "Lifecycle",
            f"Users per {data.options.lifecycle_period}: new, returning (active the period "
            "before too), resurrecting (back after a gap) and dormant (active the period "
            "before, not in this one, drawn below zero).",
            blocks(charts.lifecycle(data.lifecycle, data.options.lifecycle_period)),
        ),
        Section(
            "Revenue and MRR",
            f"Revenue in {data.publication.reporting_currency} from the revenue events "
            "(seeds/revenue_events.csv), refunds on the day they happen; MRR is the monthly "
            "value of the subscriptions in force at each month's end (docs/revenue.md).",
            points=_revenue_sentences(data),
            charts=blocks(
                charts.revenue(data.revenue, data.publication.reporting_currency),
                charts.mrr_movements(data.mrr, data.publication.reporting_currency),
            ),
        ),
        Section(
            "Funnels",
            "Users at each step, and the conversion from the first step. Where each funnel "
            "loses the most users:",
            points=[_funnel_drop_sentence(data.funnels, name) for name in funnel_names],
            charts=blocks(
                *(
                    charts.funnel(data.funnels[data.funnels["funnel_name"] == name], name)
                    for name in funnel_names
                ),
                charts.conversion_by_segment(data.funnels_by_segment),
            ),
        ),
        Section(
            "Retention",
            "Each row is a cohort, each column a period since it started; the shade is the "
            "share of the cohort that came back in that period.",
            blocks(
                *(
                    charts.retention_triangle(
                        data.retention[data.retention["retention_name"] == name], name
                    )
                    for name in retention_names
                ),
                charts.retention_curve(data.retention),
                charts.retention_by_segment(data.retention_by_segment, data.options.retention_name),
            ),
        ),
        Section(
            "Experiments",
            "Each metric's relative lift against the control, with its 95 % interval "
            "(GrowthBook's frequentist test, delta method) and the Bayesian chance to win.",
            points=_experiment_sentences(data.experiments),
            charts=blocks(
                *(
                    charts.experiment(
                        data.experiments[data.experiments["experiment_id"] == name], name
                    )
                    for name in dict.fromkeys(data.experiments["experiment_id"])
                )
            ),
        ),
        Section(
            "Feature adoption",
            "Users who used each feature at least once, over the users active so far.",
            blocks(charts.adoption(data.adoption)),
        ),
        Section(
            "Sessions and paths",
            "How long sessions last, how many sessions users have, and what users do next "
            f"after {data.path_event}.",
            blocks(
                charts.session_lengths(data.session_lengths),
                charts.sessions_per_user(data.sessions_per_user),
                charts.paths(data.paths, data.path_event),
            ),
        ),
    ]


def biggest_drop(steps: pd.DataFrame) -> tuple[pd.Series, pd.Series] | None:
    """The step (and the step before it) where a funnel loses the most users."""
    ordered = steps.sort_values("step_number").reset_index(drop=True)
    if len(ordered) < 2:
        return None
    lost = ordered["count_users"].shift(1) - ordered["count_users"]
    worst = int(lost.iloc[1:].idxmax())
    return ordered.iloc[worst - 1], ordered.iloc[worst]


def _funnel_drop_sentence(funnels: pd.DataFrame, name: str) -> str:
    drop = biggest_drop(funnels[funnels["funnel_name"] == name])
    if drop is None:
        return ""
    before, after = drop
    lost = int(before["count_users"] - after["count_users"])
    share = lost / before["count_users"] if before["count_users"] else 0.0
    return (
        f"{name}: most users are lost between step {before['step_number']} "
        f"({before['event_name']}) and step {after['step_number']} ({after['event_name']}): "
        f"{lost:,} of {int(before['count_users']):,} ({share:.0%}) do not continue."
    )


def _revenue_sentences(data: ReportData) -> list[str]:
    """Why MRR moved in the last complete month, and the period's average order value."""
    currency = data.publication.reporting_currency
    sentences = []
    complete = data.mrr[data.mrr["is_month_complete"]]
    if not complete.empty:
        month = complete.iloc[-1]
        moves = ", ".join(
            f"{label} {month[column]:+,.0f}"
            for column, (label, _) in charts.MRR_MOVEMENTS.items()
            if month[column]
        )
        sentences.append(
            f"MRR at the end of {month['month_start']:%B %Y}: {month['closing_mrr']:,.0f} "
            f"{currency}, from {month['opening_mrr']:,.0f} ({moves or 'no movement'})."
        )
    in_period = data.revenue["revenue_date"].between(
        pd.Timestamp(data.current.first), pd.Timestamp(data.current.last)
    )
    days = data.revenue[in_period]
    if days["count_orders"].sum():
        sentences.append(
            f"Average order value {data.current}: "
            f"{days['revenue'].sum() / days['count_orders'].sum():,.2f} {currency} over "
            f"{int(days['count_orders'].sum()):,} orders and payments."
        )
    return sentences


def _experiment_sentences(results: pd.DataFrame) -> list[str]:
    """One sentence per experiment × metric × variation against the control, and a warning
    per experiment whose assignment is broken (sample-ratio mismatch)."""
    sentences = []
    for name, rows in results.groupby("experiment_id", sort=True):
        if rows["is_srm"].fillna(False).any():
            sentences.append(
                f"{name}: sample-ratio mismatch (p = {rows['srm_p_value'].iloc[0]:.2g}): users "
                "did not split as planned; do not trust this readout."
            )
        for row in rows[~rows["is_control"] & rows["relative_lift"].notna()].itertuples():
            verdict = "significant" if row.p_value < SIGNIFICANCE else "not significant"
            failing = pd.notna(row.is_guardrail_failing) and bool(row.is_guardrail_failing)
            guardrail = " Guardrail moved the wrong way." if failing else ""
            sentences.append(
                f"{name}, {row.metric_name}: {row.variation_id} {row.relative_lift:+.1%} against "
                f"control (95 % CI {row.lift_ci_lower:+.1%} .. {row.lift_ci_upper:+.1%}, "
                f"p = {row.p_value:.3g}, {verdict}; chance to win {row.chance_to_win:.0%})."
                + guardrail
            )
    return sentences


def _findings(data: ReportData) -> list[str]:
    """What a reader should look at first: the largest moves, then the leakiest funnel step."""
    findings = []
    moves = sorted(
        (
            headline
            for headline in data.headlines
            if headline.change is not None and headline.is_settled
        ),
        key=lambda headline: abs(headline.change or 0),
        reverse=True,
    )
    for headline in moves[:2]:
        direction = "up" if (headline.change or 0) > 0 else "down"
        before = _format_value(headline.previous, headline)
        now = _format_value(headline.value, headline)
        findings.append(
            f"{headline.label} is {direction} {abs(headline.change or 0):.0%} against the "
            f"previous {data.options.period_days} days ({before} -> {now})."
        )
    worst: tuple[float, str] | None = None
    for name in dict.fromkeys(data.funnels["funnel_name"]):
        drop = biggest_drop(data.funnels[data.funnels["funnel_name"] == name])
        if drop is not None and drop[0]["count_users"]:
            share = 1 - drop[1]["count_users"] / drop[0]["count_users"]
            if worst is None or share > worst[0]:
                worst = (share, _funnel_drop_sentence(data.funnels, name))
    if worst is not None:
        findings.append("Leakiest step: " + worst[1])
    findings.extend(_experiment_findings(data.experiments))
    return findings


def _experiment_findings(results: pd.DataFrame) -> list[str]:
    """Experiments to act on: a goal some variation has probably moved (chance to win at least
    95 % either way, or p < 0.05), a failing guardrail, a broken split."""
    findings = []
    for name, rows in results.groupby("experiment_id", sort=True):
        if rows["is_srm"].fillna(False).any():
            findings.append(f"Experiment {name}: users did not split as planned (SRM).")
        for row in rows[~rows["is_control"] & rows["relative_lift"].notna()].itertuples():
            failing = pd.notna(row.is_guardrail_failing) and bool(row.is_guardrail_failing)
            decided = row.p_value < SIGNIFICANCE or abs(row.chance_to_win - 0.5) >= 0.45
            if failing or (row.role == "goal" and decided):
                findings.append(
                    f"Experiment {name}: {row.variation_id} moves {row.metric_name} "
                    f"{row.relative_lift:+.0%} (chance to win {row.chance_to_win:.0%}, "
                    f"p = {row.p_value:.2g})" + ("; a guardrail failing." if failing else ".")
                )
    return findings


def _format_value(value: float | None, headline: Headline) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if headline.is_rate else f"{value:,.0f}"


def _format_change(headline: Headline) -> str:
    change = headline.change
    return "no earlier value" if change is None else f"{change:+.1%} vs previous period"


def vega_bundle() -> str:
    """The JavaScript of Vega, Vega-Lite and vega-embed (defines ``vegaEmbed``), cached."""
    import vl_convert

    vl_version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])
    cache = _cache_folder() / f"vega-embed-{vl_convert.__version__}-{vl_version}.js"
    if cache.is_file():
        return cache.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle(vl_version=vl_version)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(cache, bundle)
    except OSError:
        pass  # a read-only home: bundle again next time
    return bundle


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "usage-analytics"


def _write_atomically(path: Path, text: str) -> None:
    """Writes a file beside ``path`` (with the usual permissions), then renames it over it:
    a reader opens the old file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("usage_analytics.reporting"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["tojson_script"] = _json_for_script
    environment.globals["now"] = lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return environment


def _json_for_script(text: str) -> str:
    """JSON text made safe inside a <script> element (no "</script>" can end it early)."""
    return json.dumps(json.loads(text)).replace("<", "\\u003c").replace(">", "\\u003e")
