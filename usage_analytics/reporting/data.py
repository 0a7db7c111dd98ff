"""What the report shows, read from the serving copy of the published marts (never the writer's
file): one function per section, each a few SQL aggregates over the marts.

Periods: the report compares the last ``period_days`` days of data (ending on the last day of
``agg_active_users``) with the same number of days before them. Days are days of the reporting
time zone the marts were built with (``audit.publication_settings``).
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_PERIOD_DAYS = 7


@dataclass(frozen=True)
class ReportOptions:
    """What the reader chooses (``usage-analytics report`` options)."""

    period_days: int = DEFAULT_PERIOD_DAYS
    retention_name: str = "weekly_signup_retention"  # the headline's week-1 retention
    path_event: str = ""  # top paths after this event (default: the most frequent one)
    lifecycle_period: str = "week"


@dataclass(frozen=True)
class Period:
    """Days ``first`` .. ``last``, both included."""

    first: dt.date
    last: dt.date

    def before(self) -> "Period":
        """The period of the same length just before this one."""
        days = (self.last - self.first).days + 1
        return Period(self.first - dt.timedelta(days=days), self.first - dt.timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.first:%Y-%m-%d} .. {self.last:%Y-%m-%d}"


@dataclass(frozen=True)
class Headline:
    """A number of the first screen, with its value in the period before (None: not known)."""

    key: str  # stable name (the page's data-metric attribute; the tests read it)
    label: str
    value: float | None
    previous: float | None
    is_rate: bool = False
    note: str = ""
    # False: the period's value can still grow (users who entered a funnel lately may still
    # complete it), so its change is not a finding
    is_settled: bool = True

    @property
    def change(self) -> float | None:
        """The relative change against the period before (None when it cannot be computed)."""
        if self.value is None or self.previous in (None, 0):
            return None
        return self.value / self.previous - 1


@dataclass(frozen=True)
class Publication:
    """Which publication the report shows, and how its marts were built."""

    publication_id: str
    run_id: str
    published_at: dt.datetime
    reporting_timezone: str
    signup_event: str
    reporting_currency: str
    first_date: dt.date
    last_date: dt.date


@dataclass
class ReportData:
    """Every table the page draws."""

    publication: Publication
    current: Period
    previous: Period
    headlines: list[Headline]
    active_users: pd.DataFrame
    lifecycle: pd.DataFrame
    funnels: pd.DataFrame
    funnels_by_segment: pd.DataFrame
    retention: pd.DataFrame
    retention_by_segment: pd.DataFrame
    adoption: pd.DataFrame
    session_lengths: pd.DataFrame
    sessions_per_user: pd.DataFrame
    paths: pd.DataFrame
    path_event: str
    gates: pd.DataFrame
    experiments: pd.DataFrame  # agg_experiment_results: one row per experiment × metric × variation
    revenue: pd.DataFrame  # agg_revenue_daily: one row per day
    mrr: pd.DataFrame  # agg_mrr_movements: one row per month
    options: ReportOptions = field(default_factory=ReportOptions)


class ReportDataError(ValueError):
    """The serving copy cannot be reported on (no publication, no data)."""


def read_report_data(serving: Path, options: ReportOptions) -> ReportData:
    """Reads every section's table from the serving copy ``serving``.

    Raises:
        ReportDataError: ``serving`` is not a serving copy with a publication and data.
    """
    if not serving.is_file():
        raise ReportDataError(f"no serving copy at {serving}: run `usage-analytics run` first")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        publication = _publication(con, serving)
        current = Period(
            publication.last_date - dt.timedelta(days=options.period_days - 1),
            publication.last_date,
        )
        path_event = options.path_event or _most_frequent_event(con)
        return ReportData(
            publication=publication,
            current=current,
            previous=current.before(),
            headlines=_headlines(con, publication, current, options),
            active_users=_frame(
                con,
                "select activity_date, dau, wau, mau, stickiness from marts.agg_active_users"
                " order by activity_date",
            ),
            lifecycle=_frame(
                con,
                """
                select
                    period_start,
                    lifecycle_state,
                    lifecycle_state_order,
                    -- dormant users are drawn below the axis, as PostHog's lifecycle chart does
                    case when lifecycle_state = 'dormant' then -count_users else count_users end
                        as count_users
                from marts.agg_lifecycle
                -- (the period after the last day only holds the users who went dormant)
                where period = $period and period_start <= $last_date
                order by period_start, lifecycle_state_order
                """,
                {"period": options.lifecycle_period, "last_date": publication.last_date},
            ),
            funnels=_frame(
                con,
                """
                select funnel_name, step_number, event_name, count_users, count_users_first_step,
                    conversion_rate_from_first, conversion_rate_from_previous,
                    median_seconds_from_previous
                from marts.agg_funnel_conversion
                order by funnel_name, step_number
                """,
            ),
            funnels_by_segment=_frame(
                con,
                """
                select funnel_name, segment_name, segment_value,
                    count_users_first_step as count_users_entered,
                    conversion_rate_from_first as conversion_rate
                from marts.agg_funnel_conversion_by_segment
                where is_last_step
                order by funnel_name, segment_name, segment_value
                """,
            ),
            retention=_frame(
                con,
                """
                select retention_name, period, cohort_start, period_number, cohort_size,
                    count_retained, retention_rate
                from marts.agg_retention
                -- a period that has not ended yet is not drawn as a (falsely low) rate
                where period_start <= $last_date
                order by retention_name, cohort_start, period_number
                """,
                {"last_date": publication.last_date},
            ),
            retention_by_segment=_frame(
                con,
                """
                select segment_name, segment_value,
                    sum(cohort_size) as cohort_size,
                    sum(count_retained) / sum(cohort_size) as retention_rate
                from marts.agg_retention_by_segment
                where retention_name = $retention_name and period_number = 1
                    and period_start + (period_start - cohort_start)::integer - 1 <= $last_date
                group by segment_name, segment_value
                order by segment_name, segment_value
                """,
                {"retention_name": options.retention_name, "last_date": publication.last_date},
            ),
            adoption=_frame(
                con,
                "select feature_name, week_start, count_adopters_to_date, adoption_rate,"
                " weekly_usage_rate from marts.agg_feature_adoption"
                " order by feature_name, week_start",
            ),
            session_lengths=_frame(
                con,
                """
                with session_buckets as (
                    select
                        case
                            when duration_seconds < 60 then 0
                            when duration_seconds < 300 then 1
                            when duration_seconds < 900 then 2
                            when duration_seconds < 1800 then 3
                            when duration_seconds < 3600 then 4
                            else 5
                        end as bucket_order
                    from marts.fct_sessions
                )
                select
                    bucket_order,
                    ['< 1 min', '1-5 min', '5-15 min', '15-30 min', '30-60 min', '>= 1 h']
                        [bucket_order + 1] as duration,
                    count(*) as count_sessions
                from session_buckets
                group by bucket_order
                order by bucket_order
                """,
            ),
            sessions_per_user=_frame(
                con,
                """
                select least(count_sessions, 20) as count_sessions, count(*) as count_users
                from marts.dim_users
                where count_sessions > 0
                group by 1
                order by 1
                """,
            ),
            paths=_frame(
                con,
                """
                select next_event_name, count_transitions, share_of_next_events
                from marts.agg_session_paths
                where event_name = $event
                order by next_event_rank
                """,
                {"event": path_event},
            ),
            path_event=path_event,
            gates=_frame(
                con,
                "select gate, source, severity, is_blocking, status, count_failures"
                " from audit.publication_gates"
                " order by status = 'PASS', is_blocking desc, gate",
            ),
            revenue=_frame(
                con,
                "select revenue_date, count_orders, revenue, refunds, net_revenue"
                " from marts.agg_revenue_daily order by revenue_date",
            ),
            mrr=_frame(
                con,
                """
                select
                    month_start, opening_mrr, new_mrr, expansion_mrr, contraction_mrr,
                    churned_mrr, reactivation_mrr, closing_mrr, count_customers_closing,
                    is_month_complete
                from marts.agg_mrr_movements
                order by month_start
                """,
            ),
            experiments=_frame(
                con,
                """
                select experiment_id, metric_name, role, variation_id, is_control, count_users,
                    metric_mean, relative_lift, lift_ci_lower, lift_ci_upper, p_value,
                    chance_to_win, cuped_relative_lift, srm_p_value, is_srm,
                    is_guardrail_failing
                from marts.agg_experiment_results
                order by experiment_id, metric_name, is_control desc, variation_id
                """,
            ),
            options=options,
        )
    except duckdb.CatalogException as error:
        problem = str(error).splitlines()[0]
        raise ReportDataError(f"{serving} is not a serving copy of the marts: {problem}") from None
    finally:
        con.close()


def _frame(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, object] | None = None
) -> pd.DataFrame:
    return con.execute(sql, _used(sql, parameters or {})).df()


def _used(sql: str, parameters: dict[str, object]) -> dict[str, object]:
    """The parameters ``sql`` names (DuckDB refuses a named parameter a statement lacks)."""
    return {name: value for name, value in parameters.items() if f"${name}" in sql}


def _publication(con: duckdb.DuckDBPyConnection, serving: Path) -> Publication:
    row = con.execute(
        "select publication_id, run_id, published_at from audit.publication"
    ).fetchone()
    if row is None:
        raise ReportDataError(f"the serving copy {serving} holds no publication")
    settings = dict(
        con.execute("select setting_name, setting_value from audit.publication_settings").fetchall()
    )
    first_date, last_date = con.execute(
        "select min(activity_date), max(activity_date) from marts.agg_active_users"
    ).fetchone()
    if last_date is None:
        raise ReportDataError(f"the serving copy {serving} holds no active users: no data yet")
    return Publication(
        publication_id=row[0],
        run_id=row[1],
        published_at=row[2],
        reporting_timezone=settings.get("reporting_timezone", "UTC"),
        signup_event=settings.get("signup_event", "signed_up"),
        reporting_currency=settings.get("reporting_currency", "USD"),
        first_date=first_date,
        last_date=last_date,
    )


def _headlines(
    con: duckdb.DuckDBPyConnection,
    publication: Publication,
    current: Period,
    options: ReportOptions,
) -> list[Headline]:
    """Active users, new signups, activation, week-1 retention, net revenue and each funnel's
    conversion, in ``current`` and in the period before it."""
    previous = current.before()
    periods = {"current": current, "previous": previous}

    def both(sql: str, **parameters: object) -> tuple[float | None, float | None]:
        values = []
        for period in periods.values():
            bound = {"first": period.first, "last": period.last, **parameters}
            row = con.execute(sql, _used(sql, bound)).fetchone()
            values.append(None if row is None or row[0] is None else float(row[0]))
        return values[0], values[1]

    days = options.period_days
    headlines = [
        Headline(
            "active_users",
            f"Active users ({days} days)",
            # the active users of the period's last day's trailing window, when it is `days`
            # long (WAU for 7); otherwise distinct users over the days is not in a mart
            *both(
                "select wau from marts.agg_active_users where activity_date = $last"
                if days == 7
                else "select max(mau) from marts.agg_active_users where activity_date = $last"
            ),
            note="WAU on the last day" if days == 7 else "MAU on the last day",
        ),
        Headline(
            "new_signups",
            "New signups",
            *both(
                f"select count(*) from marts.dim_users where {_local_date('signed_up_at')}"
                " between $first and $last",
                tz=publication.reporting_timezone,
            ),
        ),
        Headline(
            "activation",
            "Activation",
            *both(
                f"""
                with signups as (
                    select user_key, signed_up_at
                    from marts.dim_users
                    where {_local_date("signed_up_at")} between $first and $last
                )
                select
                    count(distinct activated.user_key) / nullif(count(distinct signups.user_key), 0)
                from signups
                left join marts.fct_events as activated
                    on activated.user_key = signups.user_key
                    and activated.event_category = 'activation'
                    and activated.event_at >= signups.signed_up_at
                """,
                tz=publication.reporting_timezone,
            ),
            is_rate=True,
            note="signups of the period with an activation event (tracking plan) since",
        ),
        Headline(
            "week_1_retention",
            f"Week-1 retention ({options.retention_name})",
            *_week_one_retention(con, options.retention_name, publication.last_date),
            is_rate=True,
            note="latest cohort whose week 1 is over, against the cohort before",
        ),
        Headline(
            "net_revenue",
            f"Net revenue ({publication.reporting_currency})",
            *both(
                "select sum(net_revenue) from marts.agg_revenue_daily"
                " where revenue_date between $first and $last"
            ),
            note="orders and payments minus refunds",
        ),
    ]
    funnels = [
        name
        for (name,) in con.execute(
            "select distinct funnel_name from marts.agg_funnel_conversion order by 1"
        ).fetchall()
    ]
    for funnel in funnels:
        headlines.append(
            Headline(
                f"conversion:{funnel}",
                f"Conversion: {funnel}",
                *both(
                    f"""
                    with entered as (
                        select user_key
                        from marts.fct_funnel_steps
                        where funnel_name = $funnel and step_number = 1
                            and {_local_date("reached_at")} between $first and $last
                    ),
                    completed as (
                        select steps.user_key
                        from marts.fct_funnel_steps as steps
                        inner join entered on steps.user_key = entered.user_key
                        where steps.funnel_name = $funnel
                            and steps.step_number = (
                                select max(step_number) from marts.agg_funnel_conversion
                                where funnel_name = $funnel
                            )
                    )
                    select
                        (select count(*) from completed)
                        / nullif((select count(*) from entered), 0)
                    """,
                    funnel=funnel,
                    tz=publication.reporting_timezone,
                ),
                is_rate=True,
                note="users who entered the funnel in the period and completed it (recent"
                " entrants may still convert)",
                is_settled=False,
            )
        )
    return headlines


def _most_frequent_event(con: duckdb.DuckDBPyConnection) -> str:
    """The event with the most occurrences in sessions (``agg_session_paths``)."""
    row = con.execute(
        "select event_name from marts.agg_session_paths"
        " group by event_name order by max(count_event_occurrences) desc, event_name limit 1"
    ).fetchone()
    return "" if row is None else str(row[0])


def _local_date(column: str) -> str:
    """The reporting-time-zone date of a UTC timestamp column (the time zone is ``$tz``)."""
    return f"cast(timezone($tz, {column}::timestamptz) as date)"


def _week_one_retention(
    con: duckdb.DuckDBPyConnection, retention_name: str, last_date: dt.date
) -> tuple[float | None, float | None]:
    """Period-1 retention of the latest cohort whose period 1 is over, and of the one before."""
    rows = con.execute(
        """
        select retention_rate
        from marts.agg_retention
        where retention_name = $name and period_number = 1
            -- period 1 is over: its last day is on or before the last day of data
            and period_start + (period_start - cohort_start)::integer - 1 <= $last_date
        order by cohort_start desc
        limit 2
        """,
        {"name": retention_name, "last_date": last_date},
    ).fetchall()
    values = [float(rate) for (rate,) in rows] + [None, None]
    return values[0], values[1]
