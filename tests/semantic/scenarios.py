"""Hand-built event sets whose sessions and identities are worked out by hand in comments.

Every scenario uses its own users, so all of them land and build in one run. 2026-01-05 is a
Monday.
"""

import datetime as dt

Event = dict[str, object]

DAY = dt.datetime(2026, 1, 5)


def at(hhmmss: str, day: int = 0) -> str:
    """ISO timestamp on 2026-01-05 (+ ``day`` days) at ``hhmmss`` UTC."""
    clock = dt.time.fromisoformat(hhmmss)
    return (DAY + dt.timedelta(days=day)).replace(
        hour=clock.hour, minute=clock.minute, second=clock.second
    ).isoformat() + "Z"


def track(event_id: str, event: str, timestamp: str, **fields: object) -> Event:
    """A track call."""
    return {"event_id": event_id, "type": "track", "event": event, "timestamp": timestamp, **fields}


def page(event_id: str, path: str, timestamp: str, **fields: object) -> Event:
    """A page call on ``path``."""
    return {
        "event_id": event_id,
        "type": "page",
        "timestamp": timestamp,
        "context": {"page": {"path": path}},
        **fields,
    }


# --- sessions -------------------------------------------------------------------------------
# u_gap: 10:00:00 -> 10:30:00 is exactly 30:00 (stays), 10:30:00 -> 11:00:01 is 30:01 (splits).
#   timeout 30: sessions 1, 1, 2.  timeout 45: 1, 1, 1.
GAP = [
    track("gap-1", "Report Created", at("10:00:00"), user_id="u_gap"),
    track("gap-2", "Report Created", at("10:30:00"), user_id="u_gap"),
    track("gap-3", "Report Created", at("11:00:01"), user_id="u_gap"),
]
# u_gap45: gaps 45:00 and 45:01. timeout 30: 1, 2, 3.  timeout 45: 1, 1, 2.
GAP45 = [
    track("gap45-1", "Report Created", at("10:00:00"), user_id="u_gap45"),
    track("gap45-2", "Report Created", at("10:45:00"), user_id="u_gap45"),
    track("gap45-3", "Report Created", at("11:30:01"), user_id="u_gap45"),
]
# u_ooo: sent in reverse order, split over two files: 09:00, 09:10 | 12:00 -> sessions 1, 1, 2.
OUT_OF_ORDER_FILE_1 = [
    track("ooo-3", "Report Created", at("12:00:00"), user_id="u_ooo"),
    track("ooo-2", "Report Created", at("09:10:00"), user_id="u_ooo"),
]
OUT_OF_ORDER_FILE_2 = [track("ooo-1", "Report Created", at("09:00:00"), user_id="u_ooo")]
# u_tie: three events at the same instant: one session, numbered by event_id a, b, c.
TIES = [
    track("tie-b", "Report Created", at("08:00:00"), user_id="u_tie"),
    track("tie-c", "Report Created", at("08:00:00"), user_id="u_tie"),
    track("tie-a", "Report Created", at("08:00:00"), user_id="u_tie"),
]
# u_long: an event every 20 minutes from day 0 00:00 to day 1 01:00 (76 events). Max 24 hours:
# day 1 00:00 is exactly 24 h after the start and stays; day 1 00:20 starts session 2.
LONG = [
    track(
        f"long-{n:02d}",
        "Dashboard Viewed",
        (DAY + dt.timedelta(minutes=20 * n)).isoformat() + "Z",
        user_id="u_long",
    )
    for n in range(76)
]
# u_pages: session 1 = /home, Report Created, /pricing (08:00, 08:05, 08:10): landing /home,
# exit /pricing, 2 page views, 600 s, not a bounce. Session 2 = one page at 15:00: a bounce.
PAGES = [
    page("pages-1", "/home", at("08:00:00"), user_id="u_pages"),
    track("pages-2", "Report Created", at("08:05:00"), user_id="u_pages"),
    page("pages-3", "/pricing", at("08:10:00"), user_id="u_pages"),
    page("pages-4", "/docs", at("15:00:00"), user_id="u_pages"),
]

# --- identities -----------------------------------------------------------------------------
# a_s5 browses anonymously (09:00, 09:05), is identified as u_s5 (09:10), browses anonymously
# again (09:15): all four events are u_s5's, and no user_key a_s5 exists.
IDENTIFY = [
    page("s5-1", "/", at("09:00:00"), anonymous_id="a_s5"),
    page("s5-2", "/pricing", at("09:05:00"), anonymous_id="a_s5"),
    {
        "event_id": "s5-3",
        "type": "identify",
        "timestamp": at("09:10:00"),
        "anonymous_id": "a_s5",
        "user_id": "u_s5",
        "traits": {"email": "s5@example.com"},
    },
    page("s5-4", "/app", at("09:15:00"), anonymous_id="a_s5"),
]
# a_s6 is tied to u_s6a (10:00), then to u_s6b (11:00): the first tie wins, so the anonymous
# event at 12:00 is u_s6a's; the 11:00 event carries u_s6b and stays u_s6b's; audit lists a_s6.
TWO_USERS = [
    {
        "event_id": "s6-1",
        "type": "identify",
        "timestamp": at("10:00:00"),
        "anonymous_id": "a_s6",
        "user_id": "u_s6a",
    },
    {
        "event_id": "s6-2",
        "type": "identify",
        "timestamp": at("11:00:00"),
        "anonymous_id": "a_s6",
        "user_id": "u_s6b",
    },
    page("s6-3", "/", at("12:00:00"), anonymous_id="a_s6"),
]
# a_s7 is never tied: its events keep user_key a_s7, and dim_users has no user_id for it.
NEVER_TIED = [
    page("s7-1", "/", at("13:00:00"), anonymous_id="a_s7"),
    page("s7-2", "/blog", at("13:01:00"), anonymous_id="a_s7"),
]

# --- dedup and users ------------------------------------------------------------------------
# dup-1 is sent twice: received 10:00:05 (file 2) and 10:00:01 (file 1): one event, the copy
# received at 10:00:01.
DUPLICATE_FILE_1 = [
    track("dup-1", "Signed Up", at("10:00:00"), user_id="u_dup", received_at=at("10:00:01")),
]
DUPLICATE_FILE_2 = [
    track("dup-1", "Signed Up", at("10:00:00"), user_id="u_dup", received_at=at("10:00:05")),
]
# u_s9 is first seen on Wednesday 2026-01-07 and signs up on Sunday 2026-01-11 (signed_up):
# signed_up_at = 01-11 09:00, cohort_week = Monday 2026-01-05. A second signed_up later does
# not move it.
SIGNUP = [
    page("s9-1", "/", at("09:00:00", day=2), user_id="u_s9"),
    track("s9-2", "Signed Up", at("09:00:00", day=6), user_id="u_s9"),
    track("s9-3", "Signed Up", at("09:00:00", day=8), user_id="u_s9"),
]
# u_tz: one event at 2026-01-06 03:00 UTC: event_date 2026-01-06 in UTC, 2026-01-05 in
# America/Los_Angeles (19:00 the day before).
TIMEZONE = [track("tz-1", "Report Created", at("03:00:00", day=1), user_id="u_tz")]

FILES: dict[str, list[Event]] = {
    "sessions.ndjson": GAP + GAP45 + TIES + LONG + PAGES + OUT_OF_ORDER_FILE_1,
    "later/out_of_order.ndjson": OUT_OF_ORDER_FILE_2,
    "identities.jsonl": IDENTIFY + TWO_USERS + NEVER_TIED,
    "dedup/first.ndjson": DUPLICATE_FILE_1,
    "dedup/second.ndjson": DUPLICATE_FILE_2,
    "users.ndjson": SIGNUP + TIMEZONE,
}
