"""The report's charts, as Vega-Lite specifications built with Altair.

Each function takes a section's table (``data.py``) and returns a chart, or None when there is
nothing to draw. The page embeds the specifications and draws them with the Vega JavaScript
inlined from ``vl-convert`` (no network).
"""

import altair as alt
import pandas as pd

WIDTH = 620
HEIGHT = 260
MAX_LABELLED_PERIODS = 16  # a retention triangle with more columns has no labels in its cells
MRR_MOVEMENTS = {  # agg_mrr_movements column -> label, colour
    "new_mrr": ("new", "#2ca02c"),
    "expansion_mrr": ("expansion", "#98df8a"),
    "reactivation_mrr": ("reactivation", "#ff7f0e"),
    "contraction_mrr": ("contraction", "#ff9896"),
    "churned_mrr": ("churned", "#d62728"),
}
LIFECYCLE_COLORS = {
    "new": "#2ca02c",
    "returning": "#1f77b4",
    "resurrecting": "#ff7f0e",
    "dormant": "#d62728",
}


def active_users(frame: pd.DataFrame) -> alt.Chart:
    """DAU, WAU and MAU over time."""
    long = frame.melt(
        id_vars="activity_date",
        value_vars=["dau", "wau", "mau"],
        var_name="measure",
        value_name="users",
    )
    return (
        alt.Chart(long, title="Active users: DAU, WAU, MAU")
        .mark_line()
        .encode(
            x=alt.X("activity_date:T", title="day"),
            y=alt.Y("users:Q", title="users"),
            color=alt.Color("measure:N", sort=["dau", "wau", "mau"], title=None),
            tooltip=["activity_date:T", "measure:N", "users:Q"],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def stickiness(frame: pd.DataFrame) -> alt.Chart:
    """DAU / MAU over time."""
    return (
        alt.Chart(frame, title="Stickiness (DAU / MAU)")
        .mark_line(color="#9467bd")
        .encode(
            x=alt.X("activity_date:T", title="day"),
            y=alt.Y("stickiness:Q", title="DAU / MAU", axis=alt.Axis(format="%")),
            tooltip=["activity_date:T", alt.Tooltip("stickiness:Q", format=".1%")],
        )
        .properties(width=WIDTH, height=HEIGHT // 2)
    )


def revenue(frame: pd.DataFrame, currency: str) -> alt.LayerChart | None:
    """Revenue per day (orders and payments) above the axis, refunds below, and the net."""
    if frame.empty:
        return None
    long = pd.concat(
        [
            frame[["revenue_date"]].assign(measure="revenue", amount=frame["revenue"]),
            frame[["revenue_date"]].assign(measure="refunds", amount=-frame["refunds"]),
        ]
    )
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("revenue_date:T", title="day"),
            y=alt.Y("amount:Q", title=currency, stack="zero"),
            color=alt.Color(
                "measure:N",
                scale=alt.Scale(domain=["revenue", "refunds"], range=["#1f77b4", "#d62728"]),
                title=None,
            ),
            tooltip=["revenue_date:T", "measure:N", alt.Tooltip("amount:Q", format=",.2f")],
        )
    )
    net = (
        alt.Chart(frame)
        .mark_line(color="#333333")
        .encode(
            x="revenue_date:T",
            y="net_revenue:Q",
            tooltip=["revenue_date:T", alt.Tooltip("net_revenue:Q", format=",.2f")],
        )
    )
    return (bars + net).properties(
        title=f"Revenue per day ({currency}): refunds below zero, net revenue as the line",
        width=WIDTH,
        height=HEIGHT,
    )


def mrr_movements(frame: pd.DataFrame, currency: str) -> alt.LayerChart | None:
    """The MRR bridge per month: new, expansion and reactivation above the axis, contraction
    and churn below, and the MRR at the month's end as the line."""
    if frame.empty:
        return None
    long = frame.melt(
        id_vars="month_start", value_vars=list(MRR_MOVEMENTS), var_name="column", value_name="mrr"
    )
    long["movement"] = long["column"].map({key: label for key, (label, _) in MRR_MOVEMENTS.items()})
    labels = [label for label, _ in MRR_MOVEMENTS.values()]
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month_start):O", title="month"),
            y=alt.Y("mrr:Q", title=f"MRR ({currency})", stack="zero"),
            color=alt.Color(
                "movement:N",
                sort=labels,
                scale=alt.Scale(
                    domain=labels, range=[color for _, color in MRR_MOVEMENTS.values()]
                ),
                title=None,
            ),
            tooltip=["yearmonth(month_start):O", "movement:N", alt.Tooltip("mrr:Q", format=",.2f")],
        )
    )
    closing = (
        alt.Chart(frame)
        .mark_line(point=True, color="#333333")
        .encode(
            x="yearmonth(month_start):O",
            y="closing_mrr:Q",
            tooltip=[
                "yearmonth(month_start):O",
                alt.Tooltip("closing_mrr:Q", format=",.2f", title="MRR at the end"),
                alt.Tooltip("count_customers_closing:Q", title="customers"),
            ],
        )
    )
    return (bars + closing).properties(
        title=f"MRR movements per month ({currency}); the line is MRR at the month's end",
        width=WIDTH,
        height=HEIGHT,
    )


def lifecycle(frame: pd.DataFrame, period: str) -> alt.Chart | None:
    """New, returning, resurrecting (above the axis) and dormant (below) users per period."""
    if frame.empty:
        return None
    states = list(LIFECYCLE_COLORS)
    return (
        alt.Chart(frame, title=f"Lifecycle per {period}")
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(period_start):O", title=f"{period} starting"),
            y=alt.Y("count_users:Q", title="users (dormant below 0)", stack="zero"),
            color=alt.Color(
                "lifecycle_state:N",
                sort=states,
                scale=alt.Scale(domain=states, range=list(LIFECYCLE_COLORS.values())),
                title=None,
            ),
            order=alt.Order("lifecycle_state_order:Q"),
            tooltip=["period_start:T", "lifecycle_state:N", "count_users:Q"],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def funnel(frame: pd.DataFrame, name: str) -> alt.Chart:
    """One funnel: users at each step, labelled with the conversion from the first step."""
    steps = frame.assign(step=frame["step_number"].astype(str) + ". " + frame["event_name"])
    base = alt.Chart(steps, title=f"Funnel: {name}").encode(
        y=alt.Y("step:N", sort=list(steps["step"]), title=None),
        x=alt.X("count_users:Q", title="users"),
    )
    bars = base.mark_bar(color="#1f77b4").encode(
        tooltip=[
            "step:N",
            "count_users:Q",
            alt.Tooltip("conversion_rate_from_first:Q", format=".1%", title="from first"),
            alt.Tooltip("conversion_rate_from_previous:Q", format=".1%", title="from previous"),
        ]
    )
    labels = base.mark_text(align="left", dx=4).encode(
        text=alt.Text("conversion_rate_from_first:Q", format=".1%")
    )
    return (bars + labels).properties(width=WIDTH - 120, height=28 * len(steps))


def conversion_by_segment(frame: pd.DataFrame) -> alt.Chart | None:
    """Every funnel's conversion by the value of the segment the reader picks."""
    if frame.empty:
        return None
    segments = sorted(frame["segment_name"].unique())
    pick = alt.param(
        name="funnel_segment",
        value=segments[0],
        bind=alt.binding_select(options=segments, name="Segment: "),
    )
    return (
        alt.Chart(frame, title="Funnel conversion by segment")
        .mark_bar()
        .encode(
            x=alt.X("conversion_rate:Q", title="conversion", axis=alt.Axis(format="%")),
            y=alt.Y("segment_value:N", title=None),
            color=alt.Color("segment_value:N", legend=None),
            row=alt.Row("funnel_name:N", title=None),
            tooltip=[
                "funnel_name:N",
                "segment_value:N",
                "count_users_entered:Q",
                alt.Tooltip("conversion_rate:Q", format=".1%"),
            ],
        )
        .add_params(pick)
        .transform_filter(alt.datum.segment_name == pick)
        .properties(width=WIDTH - 200, height=alt.Step(14))
    )


def retention_triangle(frame: pd.DataFrame, name: str) -> alt.Chart:
    """One retention definition: cohorts (rows) by period number (columns), shaded by rate."""
    base = alt.Chart(frame, title=f"Retention: {name}").encode(
        x=alt.X("period_number:O", title=f"{frame['period'].iloc[0]}s since the cohort's start"),
        y=alt.Y("cohort_start:O", title="cohort", timeUnit="yearmonthdate"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "retention_rate:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), title="retained"
        ),
        tooltip=[
            alt.Tooltip("cohort_start:T", title="cohort"),
            "period_number:O",
            "cohort_size:Q",
            "count_retained:Q",
            alt.Tooltip("retention_rate:Q", format=".1%"),
        ],
    )
    count_cohorts = frame["cohort_start"].nunique()
    count_periods = frame["period_number"].nunique()
    size = {
        "width": min(WIDTH, 36 * count_periods),
        "height": min(520, max(120, 18 * count_cohorts)),
    }
    if count_periods > MAX_LABELLED_PERIODS:  # too small to read: the tooltip has the rate
        return cells.properties(**size)
    text = base.mark_text(fontSize=9).encode(
        text=alt.Text("retention_rate:Q", format=".0%"),
        color=alt.condition(alt.datum.retention_rate > 0.5, alt.value("white"), alt.value("black")),
    )
    return (cells + text).properties(**size)


def retention_curve(frame: pd.DataFrame) -> alt.Chart | None:
    """The average retention curve of every definition: retained / cohort size over the cohorts
    observed that long."""
    if frame.empty:
        return None
    curve = (
        frame.groupby(["retention_name", "period_number"], as_index=False)[
            ["cohort_size", "count_retained"]
        ]
        .sum()
        .assign(retention_rate=lambda rows: rows["count_retained"] / rows["cohort_size"])
    )
    return (
        alt.Chart(curve, title="Average retention curve")
        .mark_line(point=True)
        .encode(
            x=alt.X("period_number:Q", title="periods since the cohort's start"),
            y=alt.Y("retention_rate:Q", title="retained", axis=alt.Axis(format="%")),
            color=alt.Color("retention_name:N", title=None),
            tooltip=[
                "retention_name:N",
                "period_number:Q",
                alt.Tooltip("retention_rate:Q", format=".1%"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def retention_by_segment(frame: pd.DataFrame, name: str) -> alt.Chart | None:
    """Period-1 retention by the value of the segment the reader picks."""
    if frame.empty:
        return None
    segments = sorted(frame["segment_name"].unique())
    pick = alt.param(
        name="retention_segment",
        value=segments[0],
        bind=alt.binding_select(options=segments, name="Segment: "),
    )
    return (
        alt.Chart(frame, title=f"Period-1 retention by segment ({name})")
        .mark_bar(color="#17becf")
        .encode(
            x=alt.X("retention_rate:Q", title="retained in period 1", axis=alt.Axis(format="%")),
            y=alt.Y("segment_value:N", title=None),
            tooltip=[
                "segment_value:N",
                "cohort_size:Q",
                alt.Tooltip("retention_rate:Q", format=".1%"),
            ],
        )
        .add_params(pick)
        .transform_filter(alt.datum.segment_name == pick)
        .properties(width=WIDTH - 120, height=alt.Step(16))
    )


def adoption(frame: pd.DataFrame) -> alt.Chart | None:
    """Each feature's adoption rate (adopters to date / active users to date) per week."""
    if frame.empty:
        return None
    return (
        alt.Chart(frame, title="Feature adoption")
        .mark_line(point=True)
        .encode(
            x=alt.X("week_start:T", title="week"),
            y=alt.Y("adoption_rate:Q", title="adopters / active users", axis=alt.Axis(format="%")),
            color=alt.Color("feature_name:N", title=None),
            tooltip=[
                "feature_name:N",
                "week_start:T",
                "count_adopters_to_date:Q",
                alt.Tooltip("adoption_rate:Q", format=".1%"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def session_lengths(frame: pd.DataFrame) -> alt.Chart:
    """How long sessions last."""
    return (
        alt.Chart(frame, title="Session length")
        .mark_bar(color="#8c564b")
        .encode(
            x=alt.X("duration:N", sort=list(frame["duration"]), title=None),
            y=alt.Y("count_sessions:Q", title="sessions"),
            tooltip=["duration:N", "count_sessions:Q"],
        )
        .properties(width=WIDTH // 2 - 20, height=HEIGHT)
    )


def sessions_per_user(frame: pd.DataFrame) -> alt.Chart:
    """How many sessions users had (20 stands for 20 or more)."""
    return (
        alt.Chart(frame, title="Sessions per user (20: 20 or more)")
        .mark_bar(color="#e377c2")
        .encode(
            x=alt.X("count_sessions:O", title="sessions"),
            y=alt.Y("count_users:Q", title="users"),
            tooltip=["count_sessions:O", "count_users:Q"],
        )
        .properties(width=WIDTH // 2 - 20, height=HEIGHT)
    )


def paths(frame: pd.DataFrame, event: str) -> alt.Chart | None:
    """The most frequent next events after ``event`` in a session."""
    if frame.empty:
        return None
    return (
        alt.Chart(frame, title=f"What users do next after {event}")
        .mark_bar(color="#bcbd22")
        .encode(
            x=alt.X(
                "share_of_next_events:Q", title="share of next events", axis=alt.Axis(format="%")
            ),
            y=alt.Y("next_event_name:N", sort="-x", title=None),
            tooltip=[
                "next_event_name:N",
                "count_transitions:Q",
                alt.Tooltip("share_of_next_events:Q", format=".1%"),
            ],
        )
        .properties(width=WIDTH - 120, height=alt.Step(22))
    )


def experiment(frame: pd.DataFrame, name: str) -> alt.Chart | None:
    """One experiment: each metric's relative lift against the control, with its 95 %
    interval, per variation."""
    treatments = frame[~frame["is_control"] & frame["relative_lift"].notna()]
    if treatments.empty:
        return None
    base = alt.Chart(treatments, title=f"Experiment: {name} (lift against control, 95 % CI)")
    y = alt.Y("metric_name:N", title=None)
    interval = base.mark_rule(strokeWidth=2).encode(
        y=y,
        x=alt.X("lift_ci_lower:Q", title="relative lift", axis=alt.Axis(format="%")),
        x2="lift_ci_upper:Q",
        color=alt.Color("variation_id:N", title="variation"),
    )
    points = base.mark_point(filled=True, size=70).encode(
        y=y,
        x="relative_lift:Q",
        color="variation_id:N",
        tooltip=[
            "metric_name:N",
            "variation_id:N",
            "count_users:Q",
            alt.Tooltip("relative_lift:Q", format="+.1%"),
            alt.Tooltip("lift_ci_lower:Q", format="+.1%"),
            alt.Tooltip("lift_ci_upper:Q", format="+.1%"),
            alt.Tooltip("p_value:Q", format=".4f"),
            alt.Tooltip("chance_to_win:Q", format=".1%"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#888").encode(x="zero:Q")
    return (zero + interval + points).properties(width=WIDTH - 120, height=alt.Step(28))
