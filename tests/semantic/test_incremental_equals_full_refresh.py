"""Incremental runs equal one full refresh, row for row, whatever the arrival order.

Hypothesis draws 220 small histories of disjoint users (ids prefixed per history): events close
to the session boundaries, experiment exposures (either variation) and goal events, anonymous
ids tied to users (and re-tied), re-sent copies received earlier or later than the first (some
differing in time and identity and winning deduplication, so that an event moves in time and to
another user), each copy arriving in a random batch, so events land late and out of order. The
histories share the dbt runs: batch 1 of every history lands (one file) and the pipeline runs,
then batch 2, then batch 3. A copy of that warehouse is then rebuilt with ``--full-refresh`` on
the same raw layer, and every table of the marts schema(s) must be equal both ways (``except
all``), compared for each history on the user-grain marts.

The same runs carry a hand-worked scenario (users ``late-*``): days 1-30 land in batch 1, then
day 31 and late events for day 10 in batch 2; the late events bridge day 10's three sessions
into one, and a late identify moves an anonymous id's sessions to its user. Revenue arrives
late too: a payment for day 10 and a refund for day 12 land in batch 2, and the day-grain marts
(event trends, daily revenue), rebuilt for the touched days only, must still equal a full
refresh.
"""

import datetime as dt
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import query, run_cli, write_events

pytestmark = pytest.mark.integration

BATCHES = 3
HISTORIES = 220
VARS = "{session_timeout_minutes: 30, max_session_hours: 1}"  # short max: cuts happen often
START = dt.datetime(2026, 3, 2, 8)
MARTS_SCHEMAS = ("marts", "marts_candidate")
# marts with a user_key column, compared per history (the others are compared whole)
USER_GRAIN_MARTS = ("fct_events", "fct_sessions", "dim_users", "fct_funnel_steps")

# (user_id, anonymous_id) an event may carry: anonymous only, user only, or a tie of both;
# a1 is tied to u1 and to u2 (a conflict: the first tie wins), a2 only to u2
IDENTITIES = (
    (None, "a1"),
    (None, "a2"),
    ("u1", None),
    ("u2", None),
    ("u1", "a1"),
    ("u2", "a2"),
    ("u2", "a1"),
)
EVENTS = (
    ("page", None),
    ("track", "Report Created"),
    ("track", "Signed Up"),
    ("identify", None),
    # an exposure to the dashboard_flag experiment (seeds/experiment_definitions.csv: from
    # 2026-01-19, no end), and its goal event (dashboards_viewed, 7 days)
    ("track", "$feature_flag_called"),
    ("track", "Dashboard Viewed"),
    # revenue (seeds/revenue_events.csv): payments, monthly or yearly, in three currencies or
    # with an amount that is not a number, and refunds; late copies move them between days
    ("track", "Payment Succeeded"),
    ("track", "Payment Refunded"),
)
FLAG_EXPOSURE = "$feature_flag_called"
REVENUE_EVENTS = ("Payment Succeeded", "Payment Refunded")
# the amount, currency and interval of a revenue event, drawn with its page
PAYMENT_PROPERTIES = (
    {"amount": 29, "currency": "USD", "interval": "month"},
    {"amount": "12.5", "currency": "EUR", "interval": "year"},
    {"amount": "abc", "currency": "USD"},
    {"amount": 10, "currency": "GBP", "interval": "month"},
)
GAPS_SECONDS = (0, 1, 1799, 1800, 1801, 3599, 3600, 3601, 7200, 86400)


@dataclass(frozen=True)
class DrawnEvent:
    """One event of a history, as drawn (times are offsets from the previous event)."""

    identity: int
    kind: int
    gap_seconds: int
    page: int
    batch: int
    copy: int  # 0 no re-sent copy; 1 a copy received later; 2 a copy received earlier;
    # 3 a copy received earlier that differs: its time moved by copy_shift_seconds and its
    # identity copy_identity (it wins deduplication, so the event moves in time and user)
    copy_batch: int
    copy_shift_seconds: int
    copy_identity: int


drawn_events = st.builds(
    DrawnEvent,
    identity=st.integers(0, len(IDENTITIES) - 1),
    kind=st.integers(0, len(EVENTS) - 1),
    gap_seconds=st.one_of(st.sampled_from(GAPS_SECONDS), st.integers(0, 2 * 3600)),
    page=st.integers(0, 3),
    batch=st.integers(0, BATCHES - 1),
    copy=st.integers(0, 3),
    copy_batch=st.integers(0, BATCHES - 1),
    copy_shift_seconds=st.integers(-2 * 3600, 2 * 3600),
    copy_identity=st.integers(0, len(IDENTITIES) - 1),
)
histories = st.lists(drawn_events, min_size=1, max_size=12)


def draw_histories(count: int) -> list[list[DrawnEvent]]:
    """``count`` distinct histories, drawn up front by Hypothesis (derandomized: the same
    histories on every machine, so a failure reproduces)."""
    drawn: list[list[DrawnEvent]] = []

    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(histories)
    def collect(history: list[DrawnEvent]) -> None:
        drawn.append(history)

    collect()
    return drawn


def iso(moment: dt.datetime) -> str:
    return moment.isoformat() + "Z"


def history_copies(number: int, history: list[DrawnEvent]) -> list[tuple[int, dict[str, object]]]:
    """(batch, event line) for every copy of a drawn history; ids prefixed ``h<number>-``."""
    prefix = f"h{number:03d}-"
    copies: list[tuple[int, dict[str, object]]] = []
    event_at = START
    for position, drawn in enumerate(history):
        event_at += dt.timedelta(seconds=drawn.gap_seconds)
        user_id, anonymous_id = IDENTITIES[drawn.identity]
        event_type, name = EVENTS[drawn.kind]
        line: dict[str, object] = {"event_id": f"{prefix}e{position:02d}", "type": event_type}
        if name:
            line["event"] = name
        if user_id:
            line["user_id"] = prefix + user_id
        if anonymous_id:
            line["anonymous_id"] = prefix + anonymous_id
        line["timestamp"] = iso(event_at)
        line["received_at"] = iso(event_at + dt.timedelta(seconds=10))
        if drawn.page:
            line["context"] = {"page": {"path": f"/page-{drawn.page}"}}
        if name == FLAG_EXPOSURE:  # the variation drawn with the page: a user may see both
            line["properties"] = {
                "$feature_flag": "dashboard_flag",
                "$feature_flag_response": drawn.page % 2 == 0,
            }
        if name in REVENUE_EVENTS:
            line["properties"] = PAYMENT_PROPERTIES[drawn.page]
        copies.append((drawn.batch, line))
        if drawn.copy in (1, 2):
            shift = dt.timedelta(seconds=20 if drawn.copy == 1 else 5)
            copies.append(
                (drawn.copy_batch, {**line, "received_at": iso(event_at + shift)}),
            )
        elif drawn.copy == 3:
            copy_user_id, copy_anonymous_id = IDENTITIES[drawn.copy_identity]
            differing = {
                key: value for key, value in line.items() if key not in ("user_id", "anonymous_id")
            }
            if copy_user_id:
                differing["user_id"] = prefix + copy_user_id
            if copy_anonymous_id:
                differing["anonymous_id"] = prefix + copy_anonymous_id
            differing["timestamp"] = iso(event_at + dt.timedelta(seconds=drawn.copy_shift_seconds))
            differing["received_at"] = iso(event_at + dt.timedelta(seconds=5))
            copies.append((drawn.copy_batch, differing))
    return copies


# --- the hand-worked scenario: days 1-30, then day 31 with late events for day 10 ----------
DAY_1 = dt.datetime(2026, 1, 1)


def day(number: int, hour: int, minute: int = 0) -> dt.datetime:
    return DAY_1 + dt.timedelta(days=number - 1, hours=hour, minutes=minute)


def scenario_copies() -> list[tuple[int, dict[str, object]]]:
    """late-u1: one page view at 09:00 on each of days 1-30; day 10 has three sessions:
    09:00 09:10 | 09:45 09:55 | 11:00 (gaps of 35 and 65 minutes split them). Batch 2 brings
    day 31 (09:00) and late events for day 10 at 09:28 and 10:40. 09:28 is 18 and 17 minutes
    from its neighbours, so the first two sessions become one (09:00-09:55, within the 1-hour
    maximum); 10:40 is 45 minutes after 09:55 (a new session) and 20 before 11:00, which
    joins it. Day 10: 3 sessions (2, 2, 1 events) -> 2 sessions (5, 2 events).

    late-a2 browses anonymously on day 5; late-u2 is active on day 6; batch 2 brings a late
    identify (day 7) that ties late-a2 to late-u2, so late-a2's session moves to late-u2.

    late-u3 pays 29 EUR on day 5 (batch 1); batch 2 brings, three weeks late, its payment of
    49 EUR on day 10 and a refund of 29 EUR on day 12.
    """

    def page_view(event_id: str, at: dt.datetime, **ids: str) -> dict[str, object]:
        return {
            "event_id": event_id,
            "type": "page",
            **ids,
            "timestamp": iso(at),
            "received_at": iso(at + dt.timedelta(seconds=10)),
            "context": {"page": {"path": "/home"}},
        }

    first = [page_view(f"late-d{n:02d}", day(n, 9), user_id="late-u1") for n in range(1, 31)]
    first += [
        page_view(f"late-d10-{hour}{minute:02d}", day(10, hour, minute), user_id="late-u1")
        for hour, minute in ((9, 10), (9, 45), (9, 55), (11, 0))
    ]
    first += [
        page_view("late-a2-d05", day(5, 14), anonymous_id="late-a2"),
        page_view("late-u2-d06", day(6, 14), user_id="late-u2"),
    ]
    late_identify = {
        "event_id": "late-u2-identify",
        "type": "identify",
        "user_id": "late-u2",
        "anonymous_id": "late-a2",
        "timestamp": iso(day(7, 14)),
        "received_at": iso(day(31, 9)),  # received three weeks late
    }

    def payment(event_id: str, at: dt.datetime, name: str, amount: float) -> dict[str, object]:
        return {
            "event_id": event_id,
            "type": "track",
            "event": name,
            "user_id": "late-u3",
            "timestamp": iso(at),
            "received_at": iso(at + dt.timedelta(seconds=10)),
            "properties": {"amount": amount, "currency": "EUR", "interval": "month"},
        }

    first.append(payment("late-pay-d05", day(5, 10), "Payment Succeeded", 29))
    # received three weeks late: revenue of days 10 and 12, and January's MRR
    late_payments = [
        {
            **payment("late-pay-d10", day(10, 10), "Payment Succeeded", 49),
            "received_at": iso(day(31, 9)),
        },
        {
            **payment("late-refund-d12", day(12, 10), "Payment Refunded", 29),
            "received_at": iso(day(31, 9)),
        },
    ]
    second = [
        *late_payments,
        page_view("late-d31", day(31, 9), user_id="late-u1"),
        page_view("late-d10-0928", day(10, 9, 28), user_id="late-u1"),
        page_view("late-d10-1040", day(10, 10, 40), user_id="late-u1"),
        late_identify,
    ]
    return [(0, line) for line in first] + [(1, line) for line in second]


@dataclass
class Warehouses:
    """The incremental warehouse, its full-refresh copy, and what was observed on the way."""

    incremental: Path
    full_refresh: Path
    history_count: int
    seconds: dict[str, float]
    late_sessions_after_batch_1: list[tuple]
    late_revenue_after_batch_1: list[tuple]


def late_sessions(warehouse: Path) -> list[tuple]:
    return query(
        warehouse,
        "select user_key, session_date, session_number, count_events from marts.fct_sessions"
        " where user_key like 'late-%' order by user_key, session_number",
    )


def late_revenue(warehouse: Path) -> list[tuple]:
    """The revenue of the scenario's days (day 5, 10 and 12 of January 2026)."""
    return query(
        warehouse,
        "select revenue_date, count_orders, round(revenue, 2), count_refunds, round(refunds, 2)"
        " from marts.agg_revenue_daily where revenue_date in ('2026-01-05', '2026-01-10',"
        " '2026-01-12') order by 1",
    )


def run_and_check(events: Path, warehouse: Path, *extra: str) -> float:
    started = time.perf_counter()
    run = run_cli(
        "run", "--events", str(events), "--warehouse", str(warehouse), "--vars", VARS, *extra
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> Warehouses:
    work = tmp_path_factory.mktemp("incremental")
    events, warehouse = work / "events", work / "incremental.duckdb"
    drawn = draw_histories(HISTORIES)
    copies = scenario_copies()
    for number, history in enumerate(drawn):
        copies += history_copies(number, history)
    seconds: dict[str, float] = {}
    after_batch_1: list[tuple] = []
    revenue_after_batch_1: list[tuple] = []
    for batch in range(BATCHES):
        write_events(
            events / f"batch-{batch + 1}.ndjson",
            [line for copy_batch, line in copies if copy_batch == batch],
        )
        seconds[f"incremental run {batch + 1}"] = run_and_check(events, warehouse)
        if batch == 0:
            after_batch_1 = late_sessions(warehouse)
            revenue_after_batch_1 = late_revenue(warehouse)
    rebuilt = work / "full_refresh.duckdb"
    shutil.copyfile(warehouse, rebuilt)
    seconds["full refresh"] = run_and_check(events, rebuilt, "--full-refresh")
    print("run seconds:", seconds)
    return Warehouses(warehouse, rebuilt, len(drawn), seconds, after_batch_1, revenue_after_batch_1)


def mart_tables(warehouse: Path) -> list[str]:
    return [
        f"{schema}.{name}"
        for schema, name in query(
            warehouse,
            "select table_schema, table_name from information_schema.tables"
            f" where table_schema in {MARTS_SCHEMAS} order by 1, 2",
        )
    ]


def differences(warehouses: Warehouses, table: str, group_by: str | None = None) -> list[tuple]:
    """Rows of ``table`` in one warehouse and not in the other (``except all``, both ways),
    counted per ``group_by`` expression (or in total)."""
    key = group_by or "'all'"
    sql = f"""
        attach '{warehouses.full_refresh}' as full_refresh (read_only);
        with only_incremental as (
            select * from {table} except all select * from full_refresh.{table}
        ),
        only_full_refresh as (
            select * from full_refresh.{table} except all select * from {table}
        ),
        both_ways as (
            select {key} as grp, 'only_incremental' as side from only_incremental
            union all
            select {key} as grp, 'only_full_refresh' as side from only_full_refresh
        )
        select grp, side, count(*) from both_ways group by 1, 2 order by 1, 2
    """
    *setup, final = [statement for statement in sql.split(";") if statement.strip()]
    import duckdb

    con = duckdb.connect(str(warehouses.incremental), read_only=True)
    try:
        for statement in setup:
            con.execute(statement)
        return con.execute(final).fetchall()
    finally:
        con.close()


def test_drawn_histories_are_many_and_varied() -> None:
    drawn = draw_histories(HISTORIES)
    assert len(drawn) == HISTORIES
    assert len({tuple(history) for history in drawn}) >= 200
    copies = [
        copy for number, history in enumerate(drawn) for copy in history_copies(number, history)
    ]
    # late and out-of-order arrivals and cross-batch duplicates are all present
    assert any(
        drawn_event.copy and drawn_event.copy_batch != drawn_event.batch
        for history in drawn
        for drawn_event in history
    )
    assert len({batch for batch, _ in copies}) == BATCHES
    # experiment exposures, some users exposed to both variations, and goal events
    flags = {
        (
            line.get("user_id") or line.get("anonymous_id"),
            line["properties"]["$feature_flag_response"],
        )
        for _, line in copies
        if line.get("event") == FLAG_EXPOSURE
    }
    assert len(flags) >= 50 and any((user, not seen) in flags for user, seen in flags)
    assert sum(line.get("event") == "Dashboard Viewed" for _, line in copies) >= 50


def test_every_mart_equals_a_full_refresh(warehouses: Warehouses) -> None:
    tables = mart_tables(warehouses.incremental)
    assert "marts.fct_sessions" in tables and "marts.agg_active_users" in tables
    assert tables == mart_tables(warehouses.full_refresh)
    assert "marts.agg_experiment_results" in tables
    report: dict[str, list[tuple]] = {}
    for table in tables:
        name = table.split(".", 1)[1]
        group_by = "split_part(user_key, '-', 1)" if name in USER_GRAIN_MARTS else None
        found = differences(warehouses, table, group_by)
        if found:
            report[table] = found
    assert report == {}, f"incremental != full refresh (per history prefix): {report}"
    # the comparison is not vacuous: every history has events and sessions
    (histories_with_sessions,) = query(
        warehouses.incremental,
        "select count(distinct split_part(user_key, '-', 1)) from marts.fct_sessions"
        " where user_key like 'h%'",
    )[0]
    assert histories_with_sessions == warehouses.history_count


def test_late_events_bridge_day_10_sessions(warehouses: Warehouses) -> None:
    before = warehouses.late_sessions_after_batch_1
    after = late_sessions(warehouses.incremental)
    day_10 = dt.date(2026, 1, 10)

    def sessions_on(rows: list[tuple], user: str, date: dt.date) -> list[tuple]:
        return [row for row in rows if row[0] == user and row[1] == date]

    # after batch 1: day 10 has 3 sessions (09:00 09:10 | 09:45 09:55 | 11:00): 2, 2, 1 events
    assert [row[3] for row in sessions_on(before, "late-u1", day_10)] == [2, 2, 1]
    # late-u1 had 29 one-event days + 3 sessions on day 10 = 32 sessions; day 30 is number 32
    assert len([row for row in before if row[0] == "late-u1"]) == 32
    assert sessions_on(before, "late-u1", dt.date(2026, 1, 30))[0][2] == 32
    # after batch 2: 09:28 bridges the first two (5 events); 10:40 starts one that 11:00 joins
    assert [row[3] for row in sessions_on(after, "late-u1", day_10)] == [5, 2]
    # 29 + 2 + day 31 = 32 sessions; day 30 is renumbered 32 -> 31, and day 31 is number 32
    assert len([row for row in after if row[0] == "late-u1"]) == 32
    assert sessions_on(after, "late-u1", dt.date(2026, 1, 30))[0][2] == 31
    assert sessions_on(after, "late-u1", dt.date(2026, 1, 31))[0][2] == 32
    # the late identify (day 7) moves late-a2's day-5 session to late-u2: late-a2 is gone
    assert [row[0] for row in before if row[0] in ("late-a2", "late-u2")] == [
        "late-a2",
        "late-u2",
    ]
    assert [(row[0], row[1], row[2]) for row in after if row[0] in ("late-a2", "late-u2")] == [
        ("late-u2", dt.date(2026, 1, 5), 1),
        ("late-u2", dt.date(2026, 1, 6), 2),
        ("late-u2", dt.date(2026, 1, 7), 3),
    ]
    (dim_late_a2,) = query(
        warehouses.incremental, "select count(*) from marts.dim_users where user_key = 'late-a2'"
    )[0]
    assert dim_late_a2 == 0
    # and these marts equal the full refresh (test_every_mart_equals_a_full_refresh checks all)
    assert differences(warehouses, "marts.fct_sessions", "user_key like 'late-%'") == []


def test_late_revenue_lands_on_the_days_it_happened(warehouses: Warehouses) -> None:
    """A payment and a refund received three weeks late change the revenue of their own days
    (rebuilt as touched days), and the month's MRR, as a full refresh does (checked above)."""
    day_5, day_10, day_12 = (dt.date(2026, 1, number) for number in (5, 10, 12))
    # 29 EUR at 1.08; days 10 and 12 had other events (late-u1's page views): zero rows
    assert warehouses.late_revenue_after_batch_1 == [
        (day_5, 1, 31.32, 0, 0.0),
        (day_10, 0, 0.0, 0, 0.0),
        (day_12, 0, 0.0, 0, 0.0),
    ]
    assert late_revenue(warehouses.incremental) == [
        (day_5, 1, 31.32, 0, 0.0),
        (day_10, 1, 52.92, 0, 0.0),
        (day_12, 0, 0.0, 1, 31.32),
    ]
    assert query(
        warehouses.incremental,
        "select cast(mrr as double), mrr_movement from intermediate.int_mrr_user_months"
        " where user_key = 'late-u3' and month_start = '2026-01-01'",
    ) == [(pytest.approx(52.92), "new")]


def test_later_publications_write_only_the_touched_users_rows(warehouses: Warehouses) -> None:
    """The equality above holds for `marts` published by user, not only for copies: after the
    first publication (a whole copy), each batch's publication wrote fewer rows than the marts
    hold, and the full refresh (every model rebuilt whole) copied everything again."""
    sql = "select count_rows, count_rows_copied from audit.publications order by published_at"
    incremental = query(warehouses.incremental, sql)
    assert len(incremental) == BATCHES
    first_rows, first_written = incremental[0]
    assert first_written == first_rows
    for rows, written in incremental[1:]:
        assert 0 < written < rows
    rows, written = query(warehouses.full_refresh, sql)[-1]
    assert written == rows
