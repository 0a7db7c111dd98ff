"""Revenue, MRR and event trends on hand-built events, with the default seeds
(seeds/revenue_events.csv: `payment_succeeded` a subscription payment with `amount`, `currency`
and `interval`, `payment_refunded` a refund; seeds/exchange_rates.csv: USD 1, EUR 1.08) and the
reporting currency USD, reporting time zone UTC. Worked out by hand (docs/revenue.md: a
customer's MRR in a month is the monthly value of the payment in force at the month's end):

- u_rev_year pays 1,200 USD yearly on 2025-01-15: MRR 100 at the end of every month of 2025
  (new in January), none at the end of January 2026: churned -100 then. Nobody else pays in
  2025, so those months are u_rev_year's alone.
- u_rev_chain pays monthly in consecutive months: 29 on 2026-02-10 (new), 49 on 03-10
  (expansion +20), 19 on 04-10 (contraction -30), nothing in May (the April payment ran out on
  05-10: churned -19), 29 on 06-10 (reactivation +29) and 29 on 07-10 (unchanged).
- u_rev_refund pays 50 on 02-03 and is refunded 50 on 02-06, a later day: revenue 50 on 02-03,
  refunds 50 and net revenue -50 on 02-06; its MRR stays 50 in February (refunds do not change
  MRR) and churns in March (no renewal).
- Two currencies on 02-20: u_rev_eur pays 100 EUR (108 USD), u_rev_usd "10.00" in `usd` (no
  interval: monthly): 2 orders, revenue 118, AOV 59; u_rev_eur, u_rev_usd and u_rev_bad view a
  page that day: 3 active users, ARPU 118 / 3. Both churn in March.
- u_rev_bad's payments are not counted: "abc" (invalid_amount) and 10 CHF (unknown_currency)
  on 02-20, one without an amount (missing_amount) on 02-21.
- u_rev_risk pays 120 yearly on 2026-06-01 (MRR 10, new in June) and is last seen that day: on
  the warehouse's last day (u_rev_last's page view, 2026-07-15) it is inactive with 10 of MRR
  at risk.

Months: 2026-02 new 29 + 50 + 108 + 10 = 197 (4 customers); 2026-03 opening 197, expansion 20,
churned -168 (3), closing 49; 2026-04 contraction -30, closing 19; 2026-05 churned -19, closing
0; 2026-06 new 10, reactivation 29, closing 39; 2026-07 (the last, not complete) closing 39.
Revenue 1,200 + 155 + 50 + 118 + 120 = 1,643; refunds 50.
"""

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import query, run_cli, write_events
from tests.semantic.scenarios import Event

pytestmark = pytest.mark.integration


def paid(event_id: str, user: str, at: str, **properties: object) -> Event:
    """A billing webhook's `Payment Succeeded` (server side: user id only)."""
    return {
        "event_id": event_id,
        "type": "track",
        "event": "Payment Succeeded",
        "user_id": user,
        "timestamp": at,
        "properties": properties,
    }


def refunded(event_id: str, user: str, at: str, **properties: object) -> Event:
    return {**paid(event_id, user, at, **properties), "event": "Payment Refunded"}


def viewed(event_id: str, user: str, at: str) -> Event:
    return {"event_id": event_id, "type": "page", "user_id": user, "timestamp": at}


def monthly(event_id: str, user: str, at: str, amount: float) -> Event:
    return paid(event_id, user, at, amount=amount, currency="USD", interval="month")


EVENTS = [
    paid(
        "ry-1", "u_rev_year", "2025-01-15T10:00:00Z", amount=1200, currency="USD", interval="year"
    ),
    monthly("rc-1", "u_rev_chain", "2026-02-10T09:00:00Z", 29),
    monthly("rc-2", "u_rev_chain", "2026-03-10T09:00:00Z", 49),
    monthly("rc-3", "u_rev_chain", "2026-04-10T09:00:00Z", 19),
    monthly("rc-4", "u_rev_chain", "2026-06-10T09:00:00Z", 29),
    monthly("rc-5", "u_rev_chain", "2026-07-10T09:00:00Z", 29),
    monthly("rr-1", "u_rev_refund", "2026-02-03T09:00:00Z", 50),
    refunded("rr-2", "u_rev_refund", "2026-02-06T09:00:00Z", amount=50, currency="USD"),
    viewed("re-0", "u_rev_eur", "2026-02-20T08:00:00Z"),
    paid("re-1", "u_rev_eur", "2026-02-20T09:00:00Z", amount=100, currency="EUR", interval="month"),
    viewed("rd-0", "u_rev_usd", "2026-02-20T08:30:00Z"),
    paid("rd-1", "u_rev_usd", "2026-02-20T10:00:00Z", amount="10.00", currency="usd"),
    viewed("rb-0", "u_rev_bad", "2026-02-20T08:45:00Z"),
    paid("rb-1", "u_rev_bad", "2026-02-20T11:00:00Z", amount="abc", currency="USD"),
    paid("rb-2", "u_rev_bad", "2026-02-20T12:00:00Z", amount=10, currency="CHF"),
    paid("rb-3", "u_rev_bad", "2026-02-21T12:00:00Z", currency="USD"),
    viewed("rk-0", "u_rev_risk", "2026-06-01T08:00:00Z"),
    paid("rk-1", "u_rev_risk", "2026-06-01T09:00:00Z", amount=120, currency="USD", interval="year"),
    viewed("rl-1", "u_rev_last", "2026-07-15T12:00:00Z"),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("revenue")
    write_events(work / "events" / "revenue.ndjson", EVENTS)
    path = work / "warehouse.duckdb"
    run = run_cli("run", "--events", str(work / "events"), "--warehouse", str(path))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    # a revenue problem is a warning of the run, not a failure
    assert "assert_revenue_events_have_no_problems" in run.stdout
    return path


def month(text: str) -> dt.date:
    return dt.date.fromisoformat(text + "-01")


MOVEMENTS = (
    "select month_start, opening_mrr, new_mrr, expansion_mrr, contraction_mrr, churned_mrr,"
    " reactivation_mrr, closing_mrr from marts.agg_mrr_movements where month_start = ?"
)
CUSTOMERS = (
    "select count_customers_opening, count_new_customers, count_expansion_customers,"
    " count_contraction_customers, count_churned_customers, count_reactivated_customers,"
    " count_customers_closing from marts.agg_mrr_movements where month_start = ?"
)


def movements(warehouse: Path, month_start: str) -> tuple:
    rows = query(warehouse, MOVEMENTS, [month(month_start)])
    assert len(rows) == 1, month_start
    return tuple(pytest.approx(value) for value in rows[0][1:])


def test_a_yearly_payment_counts_a_twelfth_for_twelve_months(warehouse: Path) -> None:
    assert movements(warehouse, "2025-01") == (0, 100, 0, 0, 0, 0, 100)
    for number in range(2, 13):
        assert movements(warehouse, f"2025-{number:02d}") == (100, 0, 0, 0, 0, 0, 100)
    assert movements(warehouse, "2026-01") == (100, 0, 0, 0, -100, 0, 0)
    rows = query(
        warehouse,
        "select month_start, mrr, mrr_movement from intermediate.int_mrr_user_months"
        " where user_key = 'u_rev_year' and mrr > 0 order by 1",
    )
    assert [row[0] for row in rows] == [month(f"2025-{number:02d}") for number in range(1, 13)]
    assert {row[1] for row in rows} == {100.0}


def test_upgrade_downgrade_cancellation_and_win_back_in_consecutive_months(
    warehouse: Path,
) -> None:
    rows = query(
        warehouse,
        "select month_start, mrr, mrr_change, mrr_movement from intermediate.int_mrr_user_months"
        " where user_key = 'u_rev_chain' order by 1",
    )
    assert rows == [
        (month("2026-02"), 29.0, 29.0, "new"),
        (month("2026-03"), 49.0, 20.0, "expansion"),
        (month("2026-04"), 19.0, -30.0, "contraction"),
        (month("2026-05"), 0.0, -19.0, "churned"),
        (month("2026-06"), 29.0, 29.0, "reactivation"),
        (month("2026-07"), 29.0, 0.0, "unchanged"),
    ]
    assert movements(warehouse, "2026-02") == (0, 197, 0, 0, 0, 0, 197)
    assert movements(warehouse, "2026-03") == (197, 0, 20, 0, -168, 0, 49)
    assert movements(warehouse, "2026-04") == (49, 0, 0, -30, 0, 0, 19)
    assert movements(warehouse, "2026-05") == (19, 0, 0, 0, -19, 0, 0)
    assert movements(warehouse, "2026-06") == (0, 10, 0, 0, 0, 29, 39)
    assert movements(warehouse, "2026-07") == (39, 0, 0, 0, 0, 0, 39)
    assert query(warehouse, CUSTOMERS, [month("2026-03")]) == [(4, 0, 1, 0, 3, 0, 1)]
    assert query(warehouse, CUSTOMERS, [month("2026-06")]) == [(0, 1, 0, 0, 0, 1, 2)]
    complete = query(
        warehouse, "select month_start from marts.agg_mrr_movements where not is_month_complete"
    )
    assert complete == [(month("2026-07"),)]


def revenue_day(warehouse: Path, day: str) -> tuple:
    rows = query(
        warehouse,
        "select count_orders, revenue, count_paying_users, average_order_value,"
        " count_active_users, revenue_per_active_user, revenue_per_paying_user,"
        " count_refunds, refunds, net_revenue from marts.agg_revenue_daily where revenue_date = ?",
        [dt.date.fromisoformat(day)],
    )
    assert len(rows) == 1, day
    return rows[0]


def test_a_refund_on_a_later_day_reduces_that_day_and_not_mrr(warehouse: Path) -> None:
    assert revenue_day(warehouse, "2026-02-03") == (1, 50.0, 1, 50.0, 0, None, 50.0, 0, 0.0, 50.0)
    assert revenue_day(warehouse, "2026-02-06") == (0, 0.0, 0, None, 0, None, None, 1, 50.0, -50.0)
    ((mrr,),) = query(
        warehouse,
        "select mrr from intermediate.int_mrr_user_months"
        " where user_key = 'u_rev_refund' and month_start = ?",
        [month("2026-02")],
    )
    assert mrr == 50.0
    assert query(
        warehouse,
        "select lifetime_revenue, lifetime_net_revenue, current_mrr from marts.dim_users"
        " where user_key = 'u_rev_refund'",
    ) == [(50.0, 0.0, 0.0)]


def test_two_currencies_convert_into_the_reporting_currency(warehouse: Path) -> None:
    orders, revenue, paying, aov, active, arpu, arppu, refunds, _, net = revenue_day(
        warehouse, "2026-02-20"
    )
    assert (orders, paying, active, refunds) == (2, 2, 3, 0)
    assert (revenue, aov, arpu, arppu, net) == pytest.approx((118.0, 59.0, 118 / 3, 59.0, 118.0))
    assert query(
        warehouse,
        "select user_key, lifetime_revenue from marts.dim_users"
        " where user_key in ('u_rev_eur', 'u_rev_usd') order by 1",
    ) == [("u_rev_eur", pytest.approx(108.0)), ("u_rev_usd", 10.0)]


def test_invalid_amounts_are_counted_in_audit_and_never_as_zero(warehouse: Path) -> None:
    assert query(
        warehouse,
        "select problem, detail, count_events from audit.revenue_problems order by 1",
    ) == [
        ("invalid_amount", None, 1),
        ("missing_amount", None, 1),
        ("unknown_currency", "CHF", 1),
    ]
    ((events, orders),) = query(
        warehouse,
        "select (select count(*) from marts.fct_events where user_key = 'u_rev_bad'"
        "   and event_name = 'payment_succeeded'),"
        " (select count(*) from intermediate.int_revenue_payments where user_key = 'u_rev_bad')",
    )
    assert (events, orders) == (3, 0)
    assert query(
        warehouse,
        "select lifetime_revenue, first_payment_at, current_mrr from marts.dim_users"
        " where user_key = 'u_rev_bad'",
    ) == [(0.0, None, 0.0)]
    ((revenue, refunds, orders),) = query(
        warehouse,
        "select sum(revenue), sum(refunds), sum(count_orders) from marts.agg_revenue_daily",
    )
    assert (revenue, refunds, orders) == (pytest.approx(1643.0), 50.0, 10)


def test_users_carry_their_revenue_and_the_inactive_their_revenue_at_risk(
    warehouse: Path,
) -> None:
    assert query(
        warehouse,
        "select lifetime_revenue, first_payment_at, last_payment_at, current_mrr"
        " from marts.dim_users where user_key = 'u_rev_chain'",
    ) == [(155.0, dt.datetime(2026, 2, 10, 9), dt.datetime(2026, 7, 10, 9), 29.0)]
    assert query(
        warehouse,
        "select user_key, days_since_last_seen, revenue_at_risk, lifetime_revenue"
        " from marts.fct_inactive_users where revenue_at_risk > 0",
    ) == [("u_rev_risk", 44, 10.0, 120.0)]


def test_event_trends_count_events_and_users_per_day(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select event_name, count_events, count_users from marts.agg_event_trends"
        " where event_date = ? order by 1",
        [dt.date(2026, 2, 20)],
    )
    # payments of u_rev_eur, u_rev_usd and u_rev_bad's two (counted as events, not revenue)
    assert rows == [("page_view", 3, 3), ("payment_succeeded", 4, 3)]
