"""Unit tests of the synthetic event generator (`event_generator`)."""

import gzip
import itertools
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from event_generator import GenerateSummary, generate_events
from event_generator.experiments import experiment_rng, onboarding_step_probabilities
from event_generator.product import (
    DASHBOARD_FLAG,
    EVENTS,
    ONBOARDING_EXPERIMENT,
    ONBOARDING_STEPS,
    Variation,
)
from event_generator.simulate import (
    KIND_EXPERIMENT_VIEWED,
    KIND_FEATURE_FLAG_CALLED,
    MS_PER_DAY,
    ROLE_CLEAN,
    Simulation,
    _add_months,
    _onboarding_funnel,
    _Sessions,
    simulate,
)
from usage_analytics.landing.arrival import arrival_date

FILE_PATTERN = re.compile(r"^(\d{4})/(\d{2})/(\d{2})/events-(\d{4}-\d{2}-\d{2})\.ndjson(\.gz)?$")
FLOOR = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Line:
    """One line of a generated file."""

    path: Path
    number: int
    text: str
    event: dict | None
    reason: str | None


def parse_time(value: str) -> datetime:
    """Parse an ISO-8601 timestamp the way landing does (no offset means UTC)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def classify(text: str) -> tuple[dict | None, str | None]:
    """Apply the contract's landing rules to one line: return (event, quarantine reason)."""
    try:
        event = json.loads(text)
    except json.JSONDecodeError:
        return None, "invalid_json"
    if not isinstance(event, dict):
        return None, "not_an_object"
    if not (event.get("event_id") or event.get("messageId")):
        return event, "missing_event_id"
    kind = event.get("type", "track")
    if kind not in ("track", "page", "screen", "identify"):
        return event, "invalid_type"
    if kind == "track" and not event.get("event"):
        return event, "missing_event"
    if not any(event.get(key) for key in ("user_id", "userId", "anonymous_id", "anonymousId")):
        return event, "missing_user"
    stamp = event.get("timestamp", event.get("originalTimestamp"))
    if stamp is None:
        return event, "missing_timestamp"
    try:
        at = parse_time(stamp)
    except (TypeError, ValueError):
        return event, "invalid_timestamp"
    if at < FLOOR:
        return event, "timestamp_before_floor"
    received = event.get("received_at", event.get("receivedAt"))
    if received is not None and at > parse_time(received) + timedelta(days=1):
        return event, "timestamp_after_received_at"
    return event, None


def read_lines(out_dir: Path) -> list[Line]:
    """Read every line of every generated file, in path then line order."""
    lines: list[Line] = []
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for number, text in enumerate(raw.decode("utf-8").splitlines(), start=1):
            event, reason = classify(text)
            lines.append(Line(path, number, text, event, reason))
    return lines


def field(event: dict, snake: str, camel: str) -> str | None:
    """Read a field under its canonical or its Segment camelCase name."""
    return event.get(snake, event.get(camel))


def file_bytes(out_dir: Path) -> dict[str, bytes]:
    """Map relative path to content for every file under `out_dir`."""
    return {
        str(path.relative_to(out_dir)): path.read_bytes()
        for path in sorted(out_dir.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerateSummary, list[Line]]:
    """A small data set with a large dirty share, so that every kind of dirt occurs."""
    out = tmp_path_factory.mktemp("dirty")
    summary = generate_events(out, users=400, days=21, seed=11, dirty_share=0.05)
    return summary, read_lines(out)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerateSummary, list[Line]]:
    """A larger clean data set (four whole weeks starting on a Monday)."""
    out = tmp_path_factory.mktemp("clean")
    summary = generate_events(
        out, users=1200, days=28, seed=3, start=date(2026, 1, 5), dirty_share=0.0
    )
    return summary, read_lines(out)


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    first = generate_events(tmp_path / "a", users=150, days=10, seed=5)
    second = generate_events(tmp_path / "b", users=150, days=10, seed=5)
    generate_events(tmp_path / "c", users=150, days=10, seed=6)
    assert file_bytes(tmp_path / "a") == file_bytes(tmp_path / "b")
    assert file_bytes(tmp_path / "a") != file_bytes(tmp_path / "c")
    assert (first.count_events, first.count_files) == (second.count_events, second.count_files)


def test_gzip_is_deterministic_and_holds_the_same_lines(tmp_path: Path) -> None:
    generate_events(tmp_path / "plain", users=120, days=7, seed=9)
    generate_events(tmp_path / "gz1", users=120, days=7, seed=9, gzip=True)
    generate_events(tmp_path / "gz2", users=120, days=7, seed=9, gzip=True)
    plain = file_bytes(tmp_path / "plain")
    zipped = file_bytes(tmp_path / "gz1")
    assert zipped == file_bytes(tmp_path / "gz2")
    assert sorted(name.removesuffix(".gz") for name in zipped) == sorted(plain)
    for name, content in zipped.items():
        assert name.endswith(".ndjson.gz")
        assert gzip.decompress(content) == plain[name.removesuffix(".gz")]


def test_summary_counts_match_the_files(dirty: tuple[GenerateSummary, list[Line]]) -> None:
    summary, lines = dirty
    files = sorted({line.path for line in lines})
    assert len(lines) == summary.count_events + summary.count_duplicates + summary.count_malformed
    assert summary.count_files == len(files) == len(list(summary.out_dir.rglob("*.ndjson")))
    assert summary.count_users == 400
    assert summary.count_duplicates > 0
    assert summary.count_malformed > 0
    dates = [date.fromisoformat(FILE_PATTERN.match(_rel(p, summary)).group(4)) for p in files]
    assert (summary.first_date, summary.last_date) == (min(dates), max(dates))


def _rel(path: Path, summary: GenerateSummary) -> str:
    return str(path.relative_to(summary.out_dir))


def test_clean_lines_are_valid_and_malformed_lines_are_counted(
    dirty: tuple[GenerateSummary, list[Line]],
) -> None:
    summary, lines = dirty
    reasons = Counter(line.reason for line in lines if line.reason is not None)
    assert sum(reasons.values()) == summary.count_malformed
    assert set(reasons) == {
        "invalid_json",
        "not_an_object",
        "missing_event_id",
        "missing_event",
        "missing_user",
        "missing_timestamp",
        "invalid_timestamp",
        "timestamp_before_floor",
    }
    for line in lines:
        if line.reason is None:
            event = line.event
            assert isinstance(event, dict)
            assert field(event, "event_id", "messageId")
            assert field(event, "timestamp", "originalTimestamp")
            assert field(event, "user_id", "userId") or field(event, "anonymous_id", "anonymousId")
            assert "\n" not in line.text


def test_duplicates_are_resent_copies(dirty: tuple[GenerateSummary, list[Line]]) -> None:
    summary, lines = dirty
    copies: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        if line.reason is None:
            copies[field(line.event, "event_id", "messageId")].append(line.event)
    extra = sum(len(group) - 1 for group in copies.values())
    assert extra == summary.count_duplicates
    for group in copies.values():
        if len(group) > 1:
            stripped = [
                {k: v for k, v in e.items() if k not in ("received_at", "receivedAt")}
                for e in group
            ]
            assert all(s == stripped[0] for s in stripped)
            received = [parse_time(field(e, "received_at", "receivedAt")) for e in group]
            stamp = parse_time(field(group[0], "timestamp", "originalTimestamp"))
            assert min(received) >= stamp


def test_no_dirt_without_dirty_share(clean: tuple[GenerateSummary, list[Line]]) -> None:
    summary, lines = clean
    assert summary.count_duplicates == summary.count_malformed == 0
    assert all(line.reason is None for line in lines)
    ids = [field(line.event, "event_id", "messageId") for line in lines]
    assert len(ids) == len(set(ids)) == summary.count_events
    for line in lines:
        stamp = parse_time(field(line.event, "timestamp", "originalTimestamp"))
        received = parse_time(field(line.event, "received_at", "receivedAt"))
        assert timedelta(0) <= received - stamp < timedelta(minutes=5)


def test_files_are_named_by_arrival_date_and_late_events_land_later(
    dirty: tuple[GenerateSummary, list[Line]],
) -> None:
    summary, lines = dirty
    late_seen = 0
    first_seen: dict[str, datetime] = {}
    stamps: dict[str, datetime] = {}
    for line in lines:
        match = FILE_PATTERN.match(_rel(line.path, summary))
        assert match, line.path
        file_date = date.fromisoformat(match.group(4))
        assert match.group(1, 2, 3) == (f"{file_date:%Y}", f"{file_date:%m}", f"{file_date:%d}")
        if line.reason is not None:
            continue
        event_id = field(line.event, "event_id", "messageId")
        received = parse_time(field(line.event, "received_at", "receivedAt"))
        stamp = parse_time(field(line.event, "timestamp", "originalTimestamp"))
        assert received.date() == file_date
        first_seen[event_id] = min(received, first_seen.get(event_id, received))
        stamps[event_id] = stamp
        if received - stamp >= timedelta(days=1):
            late_seen += 1
            assert file_date > stamp.astimezone(UTC).date()
    assert late_seen > 0
    late = sum(
        1
        for event_id, received in first_seen.items()
        if received.date() > stamps[event_id].astimezone(UTC).date()
    )
    assert late == summary.count_late


def test_lines_within_a_file_are_ordered_by_arrival(
    dirty: tuple[GenerateSummary, list[Line]],
) -> None:
    _, lines = dirty
    previous: dict[Path, datetime] = {}
    for line in lines:
        if line.reason is not None:
            continue
        received = parse_time(field(line.event, "received_at", "receivedAt"))
        assert received >= previous.get(line.path, received)
        previous[line.path] = received


def test_anonymous_visitors_are_identified_later(
    clean: tuple[GenerateSummary, list[Line]],
) -> None:
    _, lines = clean
    anonymous_only: dict[str, datetime] = {}
    identified: dict[str, datetime] = {}
    for line in lines:
        event = line.event
        anonymous_id = field(event, "anonymous_id", "anonymousId")
        user_id = field(event, "user_id", "userId")
        stamp = parse_time(field(event, "timestamp", "originalTimestamp"))
        if anonymous_id and not user_id:
            anonymous_only[anonymous_id] = min(stamp, anonymous_only.get(anonymous_id, stamp))
        if event.get("type") == "identify":
            assert user_id and anonymous_id
            assert re.fullmatch(r"user\d+@example\.(com|org|net)", event["traits"]["email"])
            identified.setdefault(anonymous_id, stamp)
    stitched = [a for a, at in identified.items() if a in anonymous_only and anonymous_only[a] < at]
    assert len(stitched) > 50
    # Some users have a second device: several anonymous_ids tied to one user_id.
    devices: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        if line.event.get("type") == "identify":
            devices[field(line.event, "user_id", "userId")].add(
                field(line.event, "anonymous_id", "anonymousId")
            )
    assert any(len(ids) > 1 for ids in devices.values())


def test_weekends_are_quieter_than_weekdays(clean: tuple[GenerateSummary, list[Line]]) -> None:
    _, lines = clean
    per_day = Counter(
        parse_time(field(line.event, "timestamp", "originalTimestamp")).astimezone(UTC).date()
        for line in lines
    )
    days = [date(2026, 1, 5) + timedelta(days=offset) for offset in range(7, 28)]
    weekend = [per_day[d] for d in days if d.weekday() >= 5]
    weekday = [per_day[d] for d in days if d.weekday() < 5]
    assert sum(weekend) / len(weekend) < 0.7 * sum(weekday) / len(weekday)


def test_product_realism(clean: tuple[GenerateSummary, list[Line]]) -> None:
    summary, lines = clean
    events = [line.event for line in lines]
    names = Counter(event.get("event") or event["type"] for event in events)
    funnel = [
        "Signed Up",
        "Onboarding Started",
        "Profile Completed",
        "Project Created",
        "Teammate Invited",
        "Onboarding Completed",
    ]
    counts = [names[name] for name in funnel]
    assert counts[0] > 0 and counts == sorted(counts, reverse=True) and counts[-1] < counts[0]
    for name in ("Dashboard Viewed", "Report Created", "Export Clicked", "Plan Upgraded"):
        assert names[name] > 0, name
    assert names["Payment Succeeded"] > 0
    assert 0.3 < names["page"] / summary.count_events < 0.9
    # camelCase naming is a per-user property, used by a minority.
    conventions: dict[str, set[bool]] = defaultdict(set)
    for event in events:
        user_id = field(event, "user_id", "userId")
        if user_id:
            conventions[user_id].add("messageId" in event)
    assert all(len(kinds) == 1 for kinds in conventions.values())
    camel = sum(1 for event in events if "messageId" in event) / len(events)
    assert 0.02 < camel < 0.3
    # Timestamps: mostly Z, some +00:00 and a few other offsets.
    suffixes = Counter(field(event, "timestamp", "originalTimestamp")[23:] for event in events)
    assert suffixes["Z"] > suffixes["+00:00"] > 0
    assert sum(v for k, v in suffixes.items() if k not in ("Z", "+00:00")) > 0
    # First-touch campaigns, devices, payments.
    sources = {
        event["context"]["campaign"]["source"]
        for event in events
        if "campaign" in event.get("context", {})
    }
    assert {"google", "newsletter", "twitter", "partner"} <= sources
    devices = {event["context"].get("device", {}).get("type") for event in events}
    assert {"desktop", "mobile", "tablet"} <= devices
    payments = [event for event in events if event.get("event") == "Payment Succeeded"]
    assert all({"amount", "currency", "plan"} <= set(event["properties"]) for event in payments)
    assert all(not field(event, "anonymous_id", "anonymousId") for event in payments)


def test_renewals_fall_on_the_same_day_of_later_calendar_months() -> None:
    def ms(text: str) -> int:
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)

    starts = np.array(
        [ms("2026-01-31T10:00:00"), ms("2026-01-15T23:59:59"), ms("2025-12-31T08:00:00")]
    )
    later = _add_months(starts, np.array([1, 12, 2]))
    assert [datetime.fromtimestamp(value / 1000, UTC).isoformat() for value in later] == [
        "2026-02-28T10:00:00+00:00",  # the month's last day when it is shorter
        "2027-01-15T23:59:59+00:00",
        "2026-02-28T08:00:00+00:00",
    ]


@pytest.fixture(scope="module")
def billed(tmp_path_factory: pytest.TempPathFactory) -> list[Line]:
    """Three months of a clean data set: long enough for renewals, lapses and win-backs."""
    out = tmp_path_factory.mktemp("billed")
    generate_events(out, users=800, days=90, seed=7, start=date(2026, 1, 5), dirty_share=0.0)
    return read_lines(out)


def test_billing_has_intervals_currencies_plan_changes_refunds_and_win_backs(
    billed: list[Line],
) -> None:
    """Every MRR movement needs its billing event: yearly and monthly charges in two
    currencies, renewals whose amount goes up and down, refunds, and a customer billed again
    after a month without a charge (a win-back on the first day of the month)."""
    lines = billed
    billing = sorted(
        (line.event for line in lines if (line.event.get("event") or "").startswith("Payment")),
        key=lambda event: field(event, "timestamp", "originalTimestamp"),
    )
    payments = [event for event in billing if event["event"] == "Payment Succeeded"]
    assert {event["properties"]["interval"] for event in payments} == {"month", "year"}
    assert {event["properties"]["currency"] for event in payments} == {"USD", "EUR"}
    refunds = [event for event in billing if event["event"] == "Payment Refunded"]
    assert refunds and all("interval" not in event["properties"] for event in refunds)
    charged = {
        (field(event, "user_id", "userId"), event["properties"]["amount"]) for event in refunds
    }
    assert charged <= {
        (field(event, "user_id", "userId"), event["properties"]["amount"]) for event in payments
    }
    amounts: dict[str, list[float]] = defaultdict(list)
    days: dict[str, list[date]] = defaultdict(list)
    for event in payments:
        user = field(event, "user_id", "userId")
        amounts[user].append(event["properties"]["amount"])
        stamp = field(event, "timestamp", "originalTimestamp")
        days[user].append(date.fromisoformat(stamp[:10]))
    changes = [b - a for user in amounts for a, b in itertools.pairwise(amounts[user])]
    assert any(change > 0 for change in changes) and any(change < 0 for change in changes)
    win_backs = [
        later
        for user in days
        for earlier, later in itertools.pairwise(days[user])
        if later.day == 1 and (later - earlier).days > 31
    ]
    assert win_backs


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_events(tmp_path, users=0)
    with pytest.raises(ValueError):
        generate_events(tmp_path, dirty_share=-0.1)
    with pytest.raises(ValueError):
        generate_events(tmp_path, chunk_users=0)


PART_PATTERN = re.compile(
    r"^(\d{4})/(\d{2})/(\d{2})/events-(\d{4}-\d{2}-\d{2})-part(\d{3})\.ndjson(\.gz)?$"
)


def test_chunks_write_parts_with_distinct_users_and_ids(tmp_path: Path) -> None:
    summary = generate_events(tmp_path / "a", users=250, days=10, seed=7, chunk_users=100)
    again = generate_events(tmp_path / "b", users=250, days=10, seed=7, chunk_users=100)
    assert file_bytes(tmp_path / "a") == file_bytes(tmp_path / "b")
    assert summary == replace(again, out_dir=summary.out_dir)
    lines = read_lines(tmp_path / "a")
    assert len(lines) == summary.count_events + summary.count_duplicates + summary.count_malformed
    assert summary.count_files == len({line.path for line in lines})
    parts_of: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for line in lines:
        relative = _rel(line.path, summary)
        match = PART_PATTERN.match(relative)
        assert match, relative
        assert arrival_date(line.path, relative) == date.fromisoformat(match.group(4))
        if line.reason is not None:
            continue
        part = match.group(5)
        parts_of["event_id"][field(line.event, "event_id", "messageId")].add(part)
        for key, snake, camel in (
            ("user_id", "user_id", "userId"),
            ("anonymous_id", "anonymous_id", "anonymousId"),
        ):
            if value := field(line.event, snake, camel):
                parts_of[key][value].add(part)
    assert {part for parts in parts_of["event_id"].values() for part in parts} == {
        "001",
        "002",
        "003",
    }
    for key, parts in parts_of.items():
        assert all(len(part) == 1 for part in parts.values()), key
    assert len(parts_of["event_id"]) == summary.count_events
    # User numbers continue from chunk to chunk: users 1-100 in part 1, 101-200 in part 2 ...
    for user_id, parts in parts_of["user_id"].items():
        number = int(user_id.removeprefix("usr_"))
        assert 1 <= number <= 250 and parts == {f"{(number - 1) // 100 + 1:03d}"}, user_id
    for line in lines:
        if line.reason is None and line.event.get("type") == "identify":
            number = field(line.event, "user_id", "userId").removeprefix("usr_").lstrip("0")
            assert line.event["traits"]["email"].startswith(f"user{number}@")


def test_first_chunk_is_the_run_of_that_many_users(tmp_path: Path) -> None:
    generate_events(tmp_path / "chunked", users=250, days=10, seed=7, chunk_users=100)
    generate_events(tmp_path / "alone", users=100, days=10, seed=7)
    first_part = {
        name.replace("-part001", ""): content
        for name, content in file_bytes(tmp_path / "chunked").items()
        if "-part001" in name
    }
    assert first_part == file_bytes(tmp_path / "alone")


# --- Experiments -------------------------------------------------------------------------------

START = date(2026, 1, 5)
EXPERIMENT_STARTS = datetime(2026, 1, 12, tzinfo=UTC)  # start + 7 days
EXPERIMENT_ENDS = datetime(2026, 2, 23, tzinfo=UTC)  # start + 49 days (exclusive)
FLAG_STARTS = datetime(2026, 1, 19, tzinfo=UTC)  # start + 14 days
EXPOSURE_PROPERTIES = {"experiment_id", "variation_id", "experiment_name", "variation_name"}


def _when(event: dict) -> datetime:
    return parse_time(field(event, "timestamp", "originalTimestamp")).astimezone(UTC)


def _named(lines: list[Line], name: str) -> list[dict]:
    return [line.event for line in lines if line.reason is None and line.event.get("event") == name]


def test_experiment_viewed_follows_the_signup_with_the_segment_properties(
    clean: tuple[GenerateSummary, list[Line]],
) -> None:
    _, lines = clean
    exposures = _named(lines, "Experiment Viewed")
    assert len(exposures) > 50
    for event in exposures:
        properties = event["properties"]
        assert set(properties) == EXPOSURE_PROPERTIES
        assert properties["experiment_id"] == "onboarding_checklist_v2"
        assert properties["experiment_name"] == "Onboarding checklist v2"
        assert (properties["variation_id"], properties["variation_name"]) in {
            ("control", "Control"),
            ("checklist_v2", "Checklist v2"),
        }
        assert field(event, "user_id", "userId")
        assert event["context"]["page"]["path"] == "/app/onboarding"
    first: dict[str, dict] = {}
    for event in sorted(exposures, key=_when):
        first.setdefault(field(event, "user_id", "userId"), event)
    identified: dict[str, datetime] = {}
    onboarding: dict[str, datetime] = {}
    for line in lines:
        event, user_id = line.event, field(line.event, "user_id", "userId")
        if event.get("type") == "identify":
            identified[user_id] = min(_when(event), identified.get(user_id, _when(event)))
        if event.get("event") == "Onboarding Started":
            onboarding[user_id] = _when(event)
    early = 0
    for user_id, event in first.items():
        at = _when(event)
        # In the signup session: after the signup's identify, before the first onboarding step.
        assert identified[user_id] < at < onboarding.get(user_id, at + timedelta(1))
        assert at - identified[user_id] < timedelta(hours=1)
        if at < EXPERIMENT_STARTS:
            early += 1
            assert at >= EXPERIMENT_STARTS - timedelta(days=2)
    assert 0 < early < 0.1 * len(first)


def test_feature_flag_called_at_the_first_dashboard_of_the_flag_dates(
    clean: tuple[GenerateSummary, list[Line]],
) -> None:
    _, lines = clean
    calls = _named(lines, "$feature_flag_called")
    assert len(calls) > 50
    dashboards: dict[str, list[datetime]] = defaultdict(list)
    for event in _named(lines, "Dashboard Viewed"):
        dashboards[field(event, "user_id", "userId")].append(_when(event))
    users = Counter(field(event, "user_id", "userId") for event in calls)
    assert max(users.values()) == 1
    assert set(users) == {
        user_id for user_id, times in dashboards.items() if max(times) >= FLAG_STARTS
    }
    for event in calls:
        assert event["properties"]["$feature_flag"] == "dashboard_flag"
        assert event["properties"]["$feature_flag_response"] in (True, False)
        assert set(event["properties"]) == {"$feature_flag", "$feature_flag_response"}
        at = _when(event)
        trigger = min(t for t in dashboards[field(event, "user_id", "userId")] if t >= FLAG_STARTS)
        assert timedelta(0) < at - trigger < timedelta(minutes=16)
    responses = Counter(event["properties"]["$feature_flag_response"] for event in calls)
    assert set(responses) == {True, False}
    # JSON booleans, not the strings "true" / "false".
    raw = [line.text for line in lines if '"$feature_flag_called"' in line.text]
    assert all(
        '"$feature_flag_response":true' in text or '"$feature_flag_response":false' in text
        for text in raw
    )


@dataclass(frozen=True)
class Readout:
    """Per variation of the onboarding experiment: assigned users, and per metric the users
    that have it (the warehouse's rule: first exposure within the dates gives the variation,
    users exposed to both variations are excluded)."""

    users: Counter[str]
    completed_7d: Counter[str]
    reported: Counter[str]
    paying: Counter[str]
    two_variations: int
    outside_dates: int


def _readout(simulation: Simulation) -> Readout:
    rows = simulation.rows
    clean_rows = rows.take(np.flatnonzero(rows.role == ROLE_CLEAN))
    kind, visitor, at = clean_rows.kind, clean_rows.visitor, clean_rows.timestamp_ms
    variation_column = clean_rows.properties["variation_id"]
    starts = int(EXPERIMENT_STARTS.timestamp() * 1000)
    ends = int(EXPERIMENT_ENDS.timestamp() * 1000)
    seen: dict[int, list[tuple[int, str]]] = defaultdict(list)
    outside = 0
    for row in np.flatnonzero(kind == KIND_EXPERIMENT_VIEWED):
        if starts <= at[row] < ends:
            label = variation_column.labels[variation_column.values[row]]
            seen[int(visitor[row])].append((int(at[row]), label))
        else:
            outside += 1
    assigned = {v: min(x) for v, x in seen.items() if len({label for _, label in x}) == 1}
    names = [event.name for event in EVENTS]
    goals = {
        "completed_7d": (names.index("Onboarding Completed"), 7 * MS_PER_DAY),
        "reported": (names.index("Report Created"), 14 * MS_PER_DAY),
        "paying": (names.index("Payment Succeeded"), 28 * MS_PER_DAY),
    }
    counters: dict[str, Counter[str]] = {goal: Counter() for goal in goals}
    for goal, (goal_kind, window) in goals.items():
        done: set[int] = set()
        for row in np.flatnonzero(kind == goal_kind):
            exposure = assigned.get(int(visitor[row]))
            if exposure and exposure[0] <= at[row] <= exposure[0] + window:
                done.add(int(visitor[row]))
        counters[goal] = Counter(assigned[v][1] for v in done)
    return Readout(
        users=Counter(label for _, label in assigned.values()),
        two_variations=len(seen) - len(assigned),
        outside_dates=outside,
        **counters,
    )


@pytest.fixture(scope="module")
def readout() -> Readout:
    """The onboarding experiment's true effects on 12,000 visitors (about 1,650 exposed per
    variation), read from the simulated rows (3 s; nothing written)."""
    return _readout(simulate(users=12_000, days=56, seed=4, start=START, dirty_share=0.0))


def test_variations_split_about_evenly_with_a_few_failures(readout: Readout) -> None:
    exposed = sum(readout.users.values())
    assert set(readout.users) == {"control", "checklist_v2"}
    assert abs(readout.users["checklist_v2"] / exposed - 0.5) < 0.04
    # About 1% bucketing failures (exposed to both), and a handful before the start date.
    assert 0 < readout.two_variations < 0.03 * exposed
    assert 0 < readout.outside_dates < 0.03 * exposed


def test_checklist_v2_raises_onboarding_completion(readout: Readout) -> None:
    rate = {v: readout.completed_7d[v] / readout.users[v] for v in readout.users}
    # True rates about 0.24 and 0.32; the margin is about 3 standard errors below the effect.
    assert 0.18 < rate["control"] < 0.30
    assert rate["checklist_v2"] - rate["control"] > 0.04


def test_checklist_v2_changes_neither_reports_nor_payments(readout: Readout) -> None:
    for metric in (readout.reported, readout.paying):
        rate = {v: metric[v] / readout.users[v] for v in readout.users}
        assert rate["control"] > 0.03
        # No true effect: a generous bound, about 4 standard errors.
        assert abs(rate["checklist_v2"] - rate["control"]) < 0.06


def test_dashboard_flag_splits_about_evenly() -> None:
    simulation = simulate(users=6_000, days=56, seed=8, start=START, dirty_share=0.0)
    rows = simulation.rows
    calls = np.flatnonzero((rows.role == ROLE_CLEAN) & (rows.kind == KIND_FEATURE_FLAG_CALLED))
    assert len(calls) > 500
    assert len(np.unique(rows.visitor[calls])) == len(calls)
    assert abs(rows.properties["$feature_flag_response"].values[calls].mean() - 0.5) < 0.05


def test_experiments_are_deterministic_and_drawn_from_their_own_streams(tmp_path: Path) -> None:
    generate_events(tmp_path / "a", users=250, days=16, seed=5)
    generate_events(tmp_path / "b", users=250, days=16, seed=5)
    assert file_bytes(tmp_path / "a") == file_bytes(tmp_path / "b")
    lines = read_lines(tmp_path / "a")
    assert _named(lines, "Experiment Viewed") and _named(lines, "$feature_flag_called")
    # Each experiment's stream differs from the main stream, from the other's and per chunk.
    chunk = np.random.SeedSequence(5, spawn_key=(1,))
    draws = {
        name: rng.random(4).tolist()
        for name, rng in {
            "main": np.random.default_rng(5),
            "onboarding": experiment_rng(5, ONBOARDING_EXPERIMENT.stream),
            "flag": experiment_rng(5, DASHBOARD_FLAG.stream),
            "chunk": experiment_rng(chunk, ONBOARDING_EXPERIMENT.stream),
            "again": experiment_rng(
                np.random.SeedSequence(5, spawn_key=(1,)), ONBOARDING_EXPERIMENT.stream
            ),
        }.items()
    }
    assert len({tuple(values) for values in draws.values()}) == 4
    assert draws["chunk"] == draws["again"]


def test_a_variation_naming_an_unknown_step_is_rejected() -> None:
    experiment = replace(
        ONBOARDING_EXPERIMENT,
        variations=(Variation("control", "Control", 0.5), Variation("b", "B", 0.5, (("x", 1),))),
    )
    with pytest.raises(ValueError, match="'b'"):
        onboarding_step_probabilities(experiment)


def test_behaviour_after_onboarding_ignores_the_variation() -> None:
    """The funnel's completion that drives adoption and upgrades is the one without the
    experiment: the same whatever the variations, while the onboarding steps done go up."""
    visitors = 20_000
    sessions = _Sessions(
        visitor=np.arange(visitors),
        start_ms=np.zeros(visitors, dtype=np.int64),
        script=np.ones(visitors, dtype=np.int8),
        slot=np.zeros(visitors, dtype=np.int8),
        first_touch=np.ones(visitors, dtype=bool),
        campaign=np.full(visitors, -1),
    )
    is_signup = np.ones(visitors, dtype=bool)
    treatment = np.ones(visitors, dtype=np.int8)
    nobody = np.full(visitors, -1, dtype=np.int8)
    steps, completed = _onboarding_funnel(np.random.default_rng(1), sessions, is_signup, treatment)
    steps_alone, alone = _onboarding_funnel(np.random.default_rng(1), sessions, is_signup, nobody)
    assert np.array_equal(completed, alone)
    assert np.all(steps >= steps_alone)
    finished = len(ONBOARDING_STEPS)
    assert np.mean(steps == finished) - np.mean(steps_alone == finished) > 0.06
    assert abs(alone.mean() - np.mean(steps_alone == finished)) < 1e-12
