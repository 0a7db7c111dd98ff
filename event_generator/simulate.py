"""Vectorised simulation of the synthetic product's users, sessions and events.

The simulation works on numpy arrays, one element per visitor, session or event; Python loops
run only over days-chunks, funnel steps, visit numbers and billing months, never over users or
events. All randomness comes from one `numpy.random.Generator` seeded with the caller's seed,
except the experiments' draws, which come from their own streams of the same seed
(`event_generator.experiments`); nothing reads the clock, so one set of arguments always gives
the same rows. One call simulates one group of visitors that never interact with other groups:
`event_generator.write` simulates a large population in chunks, each from its own seed, to
bound memory.

Outline:
1. Visitors: arrival day, acquisition channel, devices, time zone, naming convention, whether
   they sign up.
2. Anonymous visits (page views only, `anonymous_id` only), then for those who sign up a signup
   session: pages, `Signed Up`, `identify`, onboarding steps with drop-off (changed by the
   variation of the onboarding experiment the visitor is exposed to), first product use.
3. Identified life: sessions per day drawn from a Poisson law whose rate depends on the user,
   the weekday and the time since signup; users churn after a drawn lifetime and some come back
   weeks later (resurrection, first comeback session tagged with a win-back campaign). Some use a
   second device whose first session ends in an `identify` (login).
4. Events within sessions: page views and features (each adopted by a share of users, from a
   drawn day on), an upgrade (`Plan Upgraded` + `identify` with the new plan) for some users.
5. Billing webhooks (server side, `user_id` only): first payment at upgrade, then a charge every
   calendar month (or year, for yearly plans) on the day of the upgrade, some failing and
   retried, some with an upgrade or a downgrade (team seats, pro <-> team), a few refunded; a
   subscription ends with its user's activity (or a month later) or a failed retry, and some
   lapsed customers take a win-back offer on the first day of the next month.
6. Experiment events: `Experiment Viewed` after the signup's `identify` (and, for a few users,
   again in a later session with another variation) and `$feature_flag_called` at the first
   `Dashboard Viewed` of the flag's dates, each slipped between an event and the next.
7. Dirty input: late arrivals, re-sent duplicates and rows to be written as malformed lines.

The result (`EventRows`) holds integer codes; `event_generator.write` turns it into
strings and files.
"""

from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from event_generator.experiments import (
    ExperimentDraws,
    draw_experiments,
    onboarding_step_probabilities,
)
from event_generator.product import (
    APP_HOST,
    APP_PAGE_WEIGHTS,
    APP_PAGES,
    BEHAVIOUR,
    BILLING_INTERVALS,
    CHANNELS,
    COMPANY_SIZE_SHARES,
    DASHBOARD_FLAG,
    DASHBOARD_NAMES,
    DEVICES,
    EUR_PRICE_FACTOR,
    EVENTS,
    EXPERIMENT_VIEWED,
    EXPORT_FORMATS,
    FEATURE_FLAG_CALLED,
    FEATURES,
    FREE_PLAN,
    IDENTIFY,
    INTEGRATIONS,
    MARKETING_HOST,
    MARKETING_PAGES,
    ONBOARDING_EXPERIMENT,
    ONBOARDING_STEPS,
    PAGE,
    PAGE_WEIGHT,
    PAYMENT_FAILED,
    PAYMENT_FAILURE_REASONS,
    PAYMENT_REFUNDED,
    PAYMENT_SUCCEEDED,
    PLAN_UPGRADED,
    PLANS,
    PROJECT_TEMPLATES,
    REPORT_TYPES,
    SIGNED_UP,
    SIGNUP_METHODS,
    TEAM_ROLES,
    TIMEZONE_OFFSETS_MINUTES,
    TIMEZONE_SHARES,
    WEEKDAY_ACTIVITY,
    WEEKDAY_ARRIVALS,
    WINBACK_CAMPAIGN,
    YEARLY_PRICE_MONTHS,
    Behaviour,
)

MS_PER_SECOND = 1_000
MS_PER_MINUTE = 60_000
MS_PER_DAY = 86_400_000
_EPOCH = date(1970, 1, 1)

# --- Lookup lists derived from the product (codes in `EventRows` index into these) ---------

KIND_PAGE = EVENTS.index(PAGE)
KIND_IDENTIFY = EVENTS.index(IDENTIFY)
KIND_SIGNED_UP = EVENTS.index(SIGNED_UP)
KIND_ONBOARDING = np.array(
    [[event.name for event in EVENTS].index(step.event) for step in ONBOARDING_STEPS]
)
KIND_FEATURES = np.array([[event.name for event in EVENTS].index(f.event) for f in FEATURES])
KIND_PLAN_UPGRADED = EVENTS.index(PLAN_UPGRADED)
KIND_PAYMENT_SUCCEEDED = EVENTS.index(PAYMENT_SUCCEEDED)
KIND_PAYMENT_FAILED = EVENTS.index(PAYMENT_FAILED)
KIND_PAYMENT_REFUNDED = EVENTS.index(PAYMENT_REFUNDED)
KIND_EXPERIMENT_VIEWED = EVENTS.index(EXPERIMENT_VIEWED)
KIND_FEATURE_FLAG_CALLED = EVENTS.index(FEATURE_FLAG_CALLED)
_KIND_FLAG_TRIGGER = [event.name for event in EVENTS].index(DASHBOARD_FLAG.trigger_event)

PAGE_PATHS: tuple[str, ...] = (
    *MARKETING_PAGES,
    *APP_PAGES,
    *(step.page_path for step in ONBOARDING_STEPS),
)
"""Every `context.page.path`; `EventRows.page` indexes into it."""
PAGE_URLS: tuple[str, ...] = tuple(
    (MARKETING_HOST if path in MARKETING_PAGES else APP_HOST) + path for path in PAGE_PATHS
)
"""`context.page.url` for each entry of `PAGE_PATHS`."""
EXTERNAL_REFERRERS: tuple[str, ...] = tuple(
    sorted({channel.referrer for channel in CHANNELS if channel.referrer is not None})
)
REFERRERS: tuple[str, ...] = (*PAGE_URLS, *EXTERNAL_REFERRERS)
"""Every `context.page.referrer`: internal page URLs first, then external sites."""
CAMPAIGNS: tuple[tuple[str, str, str], ...] = (
    *(
        (channel.source, channel.medium, name)
        for channel in CHANNELS
        if channel.source is not None and channel.medium is not None
        for name in channel.campaign_names
    ),
    WINBACK_CAMPAIGN,
)
"""`context.campaign` (source, medium, name) values; `EventRows.campaign` indexes into it."""
USER_AGENTS: tuple[str, ...] = tuple(ua for device in DEVICES for ua in device.user_agents)
PLAN_NAMES: tuple[str, ...] = (FREE_PLAN, *(plan.name for plan in PLANS))
"""Plan names, free first; `plan`/`previous_plan` codes index into it."""
CURRENCY_CODES: tuple[str, ...] = ("USD", "EUR")

MALFORMATIONS: tuple[str, ...] = (
    "invalid_json",
    "not_an_object",
    "missing_event_id",
    "missing_timestamp",
    "invalid_timestamp",
    "missing_event",
    "missing_user",
    "timestamp_before_floor",
)
"""Ways a malformed line is broken, named after the landing quarantine reason it triggers."""

ROLE_CLEAN = 0
ROLE_DUPLICATE = 1
ROLE_MALFORMED = 2

_SCRIPT_ANONYMOUS = 0
_SCRIPT_SIGNUP = 1
_SCRIPT_APP = 2
_SCRIPT_LOGIN = 3

_MARKETING_BROWSE = np.array([PAGE_PATHS.index(p) for p in MARKETING_PAGES[:6]])
_PAGE_SIGNUP = PAGE_PATHS.index("/signup")
_PAGE_LOGIN = PAGE_PATHS.index("/login")
_PAGE_BILLING = PAGE_PATHS.index("/app/billing")
_APP_PAGE_CODES = np.array([PAGE_PATHS.index(p) for p in APP_PAGES])
_ONBOARDING_PAGE_CODES = np.array([PAGE_PATHS.index(s.page_path) for s in ONBOARDING_STEPS])
_PAGE_CHECKLIST = PAGE_PATHS.index(ONBOARDING_STEPS[0].page_path)
"""Page of the onboarding checklist, where its experiment's exposures happen."""
_STEP_PROBABILITIES = onboarding_step_probabilities(ONBOARDING_EXPERIMENT)
"""`(variations + 1, steps)`: each variation's step probabilities, then the product's own."""
_FEATURE_PAGE_CODES = np.array([PAGE_PATHS.index(f.page_path) for f in FEATURES])
_LANDING_PAGE_CODES = np.array(
    [[PAGE_PATHS.index(p) for p in (c.landing_pages * 3)[:3]] for c in CHANNELS]
)
"""`(channels, 3)` page codes a first-touch session of each channel lands on."""
_CHANNEL_REFERRER_CODES = np.array(
    [
        -1 if c.referrer is None else len(PAGE_URLS) + EXTERNAL_REFERRERS.index(c.referrer)
        for c in CHANNELS
    ]
)
"""Referrer code (into `REFERRERS`) of each channel's landing page, -1 for none."""
_NEVER = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Visitors:
    """Per-visitor attributes; index `i` is visitor `i` (user number `first + i`, where `first`
    is the first user number of the chunk being written: 1 when the run is one chunk).

    Attributes:
        count: Number of visitors.
        signed_up: Whether the visitor signed up inside the window (has a `user_id`).
        device_type: `(count, 2)` index into `DEVICES` for the first and second device.
        user_agent: `(count, 2)` index into `USER_AGENTS`.
        ip: `(count, 2)` IPv4 addresses as unsigned integers.
        anonymous_id: `(count, 2, 16)` random bytes of each device's anonymous_id (UUID v4).
        camel_case: Whether the visitor's events use Segment camelCase field names.
        timestamp_offset_minutes: Offset rendered in the visitor's timestamps.
        timestamp_suffix: 0 = `Z`, 1 = `+00:00`, 2 = the visitor's local offset.
        company_size: Index into `COMPANY_SIZES`.
        email_domain: Index into `EMAIL_DOMAINS`.
    """

    count: int
    signed_up: np.ndarray
    device_type: np.ndarray
    user_agent: np.ndarray
    ip: np.ndarray
    anonymous_id: np.ndarray
    camel_case: np.ndarray
    timestamp_offset_minutes: np.ndarray
    timestamp_suffix: np.ndarray
    company_size: np.ndarray
    email_domain: np.ndarray


@dataclass(frozen=True)
class CodedColumn:
    """A nullable column: codes into `labels` (strings) or plain numbers when `labels` is None.

    Attributes:
        values: Codes or numbers, one per row.
        valid: Whether the row has a value.
        labels: Labels the codes index into, or None for numeric columns.
    """

    values: np.ndarray
    valid: np.ndarray
    labels: tuple[str, ...] | None = None

    def take(self, rows: np.ndarray) -> "CodedColumn":
        """Select rows.

        Args:
            rows: Row indices.

        Returns:
            The column restricted to `rows`, in that order.
        """
        return CodedColumn(self.values[rows], self.valid[rows], self.labels)


@dataclass(frozen=True)
class EventRows:
    """All rows to write, in file order (received_at, then `seq`).

    Attributes:
        visitor: Visitor index.
        kind: Index into `EVENTS`.
        slot: Device slot (0 first device, 1 second device, -1 server side).
        has_user_id: Whether the row carries the visitor's user_id.
        has_anonymous_id: Whether the row carries the device's anonymous_id.
        timestamp_ms: Event time, ms since the Unix epoch (UTC).
        received_ms: Arrival time at the collector, ms since the Unix epoch (UTC).
        page: Index into `PAGE_PATHS`/`PAGE_URLS`, -1 for none.
        referrer: Index into `REFERRERS`, -1 for none.
        campaign: Index into `CAMPAIGNS`, -1 for none.
        properties: Property name to column.
        traits_plan: Plan code (into `PLAN_NAMES`) for identify rows.
        event_id: `(rows, 16)` random bytes of the event_id (UUID v4).
        role: `ROLE_CLEAN`, `ROLE_DUPLICATE` or `ROLE_MALFORMED`.
        malformation: Index into `MALFORMATIONS` for malformed rows, else -1.
        seq: Unique tie-breaker (position before sorting by arrival).
    """

    visitor: np.ndarray
    kind: np.ndarray
    slot: np.ndarray
    has_user_id: np.ndarray
    has_anonymous_id: np.ndarray
    timestamp_ms: np.ndarray
    received_ms: np.ndarray
    page: np.ndarray
    referrer: np.ndarray
    campaign: np.ndarray
    properties: dict[str, CodedColumn]
    traits_plan: np.ndarray
    event_id: np.ndarray
    role: np.ndarray
    malformation: np.ndarray
    seq: np.ndarray

    def take(self, rows: np.ndarray) -> "EventRows":
        """Select rows.

        Args:
            rows: Row indices.

        Returns:
            The rows `rows`, in that order.
        """
        return EventRows(
            visitor=self.visitor[rows],
            kind=self.kind[rows],
            slot=self.slot[rows],
            has_user_id=self.has_user_id[rows],
            has_anonymous_id=self.has_anonymous_id[rows],
            timestamp_ms=self.timestamp_ms[rows],
            received_ms=self.received_ms[rows],
            page=self.page[rows],
            referrer=self.referrer[rows],
            campaign=self.campaign[rows],
            properties={name: col.take(rows) for name, col in self.properties.items()},
            traits_plan=self.traits_plan[rows],
            event_id=self.event_id[rows],
            role=self.role[rows],
            malformation=self.malformation[rows],
            seq=self.seq[rows],
        )


@dataclass(frozen=True)
class Simulation:
    """Outcome of `simulate`.

    Attributes:
        visitors: Per-visitor attributes.
        rows: Every row to write, sorted by arrival.
        count_late: Clean events whose received_at date (UTC) is after their timestamp date.
    """

    visitors: Visitors
    rows: EventRows
    count_late: int


@dataclass(frozen=True)
class _Sessions:
    """Sessions sorted by visitor, then start; all arrays have one element per session."""

    visitor: np.ndarray
    start_ms: np.ndarray
    script: np.ndarray
    slot: np.ndarray
    first_touch: np.ndarray
    campaign: np.ndarray


@dataclass(frozen=True)
class _EventSlots:
    """Sessions laid out one element per event, in session order, before kinds are drawn.

    Attributes:
        session: Session index of each event.
        first_of_session: Index of each session's first event (one element per session).
        pos: Position of the event in its session (0 first).
        length: Number of events of the event's session.
        script: Script (`_SCRIPT_*`) of the event's session.
        visitor: Visitor of each event.
        signup: Whether the event belongs to a signup session.
        login: Whether the event belongs to the login session of a second device.
        presignup_pages: Pages viewed before `Signed Up` in the event's session.
        onboarding_step: Onboarding step the event is if it is one (`pos - presignup_pages - 2`).
        onboarding_steps: Onboarding steps done in the event's session.
        onboarding: Whether the event is an onboarding step.
        upgrade: Whether the event is one of the two upgrade events closing its session.
        first_page: Whether the event is the landing page of the visitor's first-touch session.
    """

    session: np.ndarray
    first_of_session: np.ndarray
    pos: np.ndarray
    length: np.ndarray
    script: np.ndarray
    visitor: np.ndarray
    signup: np.ndarray
    login: np.ndarray
    presignup_pages: np.ndarray
    onboarding_step: np.ndarray
    onboarding_steps: np.ndarray
    onboarding: np.ndarray
    upgrade: np.ndarray
    first_page: np.ndarray


@dataclass(frozen=True)
class _Lifetimes:
    """The drawn life of each signed-up visitor (member); days count from the window start.

    Attributes:
        signup_day: Window day of the signup.
        churn_day: Day the member stops using the product (far after the window for retained
            members).
        comes_back: Whether the member churns inside the window and comes back once.
        resurrection_day: First day of the comeback (infinite without one).
        resurrection_end: Last day of the comeback.
        rate: Sessions per day (before weekday and engagement factors).
        second_device: Whether the member also uses a second device.
        second_device_day: First day the second device can be used.
    """

    signup_day: np.ndarray
    churn_day: np.ndarray
    comes_back: np.ndarray
    resurrection_day: np.ndarray
    resurrection_end: np.ndarray
    rate: np.ndarray
    second_device: np.ndarray
    second_device_day: np.ndarray


def _uuid_bytes(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random UUID v4 bytes.

    Args:
        rng: Random generator.
        shape: Leading shape; the result has shape `(*shape, 16)`.

    Returns:
        uint8 array with the version and variant bits of UUID v4 set.
    """
    count = int(np.prod(shape, dtype=np.int64)) * 16
    raw = np.frombuffer(rng.bytes(count), dtype=np.uint8).reshape(*shape, 16).copy()
    raw[..., 6] = (raw[..., 6] & 0x0F) | 0x40
    raw[..., 8] = (raw[..., 8] & 0x3F) | 0x80
    return raw


def _categorical(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Draw category indices.

    Args:
        rng: Random generator.
        weights: Non-negative weights, one per category.
        size: Number of draws.

    Returns:
        int64 indices.
    """
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    draws = rng.random(size) * cumulative[-1]
    return np.minimum(np.searchsorted(cumulative, draws, side="right"), len(cumulative) - 1)


def _draw_campaigns(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    """Draw each visitor's first-touch campaign among the campaign names of its channel.

    Args:
        rng: Random generator.
        channel: Acquisition channel per visitor.

    Returns:
        Index into `CAMPAIGNS` per visitor, -1 for direct traffic (no campaign).
    """
    names_count = np.array([len(c.campaign_names) for c in CHANNELS])
    names_offset = np.concatenate([[0], np.cumsum(names_count)[:-1]])
    return np.where(
        names_count[channel] > 0,
        names_offset[channel]
        + np.floor(rng.random(len(channel)) * names_count[channel]).astype(int),
        -1,
    )


def _draw_devices(rng: np.random.Generator, users: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw each visitor's two devices and their user agents.

    The first device follows the device shares; a desktop visitor's second device is a phone
    (85%) or a tablet, anyone else's a desktop.

    Args:
        rng: Random generator.
        users: Number of visitors.

    Returns:
        `(users, 2)` index into `DEVICES` and `(users, 2)` index into `USER_AGENTS`.
    """
    first_device = _categorical(rng, np.array([d.share for d in DEVICES]), users)
    second_device = np.where(first_device == 0, np.where(rng.random(users) < 0.85, 1, 2), 0)
    device_type = np.stack([first_device, second_device], axis=1)
    ua_count = np.array([len(d.user_agents) for d in DEVICES])
    ua_offset = np.concatenate([[0], np.cumsum(ua_count)[:-1]])
    user_agent = ua_offset[device_type] + np.floor(
        rng.random((users, 2)) * ua_count[device_type]
    ).astype(int)
    return device_type, user_agent


def _draw_visitors(
    rng: np.random.Generator, users: int, days: int, weekday: np.ndarray, b: Behaviour
) -> tuple[Visitors, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw visitor attributes.

    Args:
        rng: Random generator.
        users: Number of visitors.
        days: Window length in days.
        weekday: Weekday (Monday 0) of each window day.
        b: Behaviour knobs.

    Returns:
        The visitors plus, per visitor, arrival day, channel, campaign code and UTC offset
        (minutes).
    """
    day_index = np.arange(days)
    weights = np.asarray(WEEKDAY_ARRIVALS)[weekday] * (
        1.0 + b.early_arrival_boost * np.exp(-day_index / b.early_arrival_decay_days)
    )
    arrival_day = np.sort(_categorical(rng, weights, users))
    channel = _categorical(rng, np.array([c.share for c in CHANNELS]), users)
    campaign = _draw_campaigns(rng, channel)
    device_type, user_agent = _draw_devices(rng, users)
    ip = rng.integers(11 << 24, 223 << 24, size=(users, 2), dtype=np.int64).astype(np.uint32)
    anonymous_id = _uuid_bytes(rng, (users, 2))
    tz_minutes = np.asarray(TIMEZONE_OFFSETS_MINUTES)[
        _categorical(rng, np.asarray(TIMEZONE_SHARES), users)
    ]
    suffix = _categorical(
        rng,
        np.array(
            [
                1.0 - b.plus_zero_suffix_share - b.offset_timestamp_share,
                b.plus_zero_suffix_share,
                b.offset_timestamp_share,
            ]
        ),
        users,
    )
    signup_rate = np.array([c.signup_rate for c in CHANNELS])
    visitors = Visitors(
        count=users,
        signed_up=rng.random(users) < signup_rate[channel],
        device_type=device_type,
        user_agent=user_agent,
        ip=ip,
        anonymous_id=anonymous_id,
        camel_case=rng.random(users) < b.camel_case_share,
        timestamp_offset_minutes=np.where(suffix == 2, tz_minutes, 0),
        timestamp_suffix=suffix,
        company_size=_categorical(rng, np.asarray(COMPANY_SIZE_SHARES), users),
        email_domain=rng.integers(0, 3, size=users),
    )
    return visitors, arrival_day, channel, campaign, tz_minutes


def _draw_local_start_seconds(rng: np.random.Generator, tz_minutes: np.ndarray) -> np.ndarray:
    """Draw session start times of day (seconds after UTC midnight) from a working-day profile.

    Args:
        rng: Random generator.
        tz_minutes: UTC offset (minutes) of each session's visitor.

    Returns:
        Seconds after UTC midnight of the session's day, in [0, 86400).
    """
    size = len(tz_minutes)
    morning = rng.random(size) < 0.55
    hours = np.where(morning, rng.normal(10.5, 2.2, size), rng.normal(15.5, 2.6, size))
    local_seconds = np.clip(hours, 0.0, 23.99) * 3600.0
    return np.mod(local_seconds - tz_minutes * 60.0, 86_400.0)


def _anonymous_and_signup_sessions(
    rng: np.random.Generator,
    visitors: Visitors,
    arrival_day: np.ndarray,
    campaign: np.ndarray,
    tz_minutes: np.ndarray,
    window_start_ms: int,
    b: Behaviour,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Draw anonymous visits and the signup session.

    Args:
        rng: Random generator.
        visitors: Visitors.
        arrival_day: Arrival day of each visitor.
        campaign: First-touch campaign code of each visitor (-1 for direct).
        tz_minutes: UTC offset of each visitor.
        window_start_ms: Window start (ms since epoch).
        b: Behaviour knobs.

    Returns:
        Session columns (visitor, start_ms, script, first_touch, campaign) and each visitor's
        signup session start (ms; `_NEVER` when the visitor does not sign up).
    """
    n = visitors.count
    extra = np.minimum(
        rng.geometric(1.0 - b.anonymous_extra_visit_probability, n) - 1,
        b.max_anonymous_sessions - 1,
    )
    presignup = _categorical(rng, np.asarray(b.presignup_session_probabilities), n)
    anonymous_count = np.where(visitors.signed_up, presignup, 1 + extra)
    session_total = anonymous_count + visitors.signed_up
    day = arrival_day.astype(np.int64)
    previous_end = np.full(n, -_NEVER, dtype=np.int64)
    signup_ms = np.full(n, _NEVER, dtype=np.int64)
    parts: dict[str, list[np.ndarray]] = {
        key: [] for key in ("visitor", "start_ms", "script", "first_touch", "campaign")
    }
    for visit in range(int(session_total.max(initial=0))):
        active = np.flatnonzero(session_total > visit)
        seconds = _draw_local_start_seconds(rng, tz_minutes[active])
        start = window_start_ms + day[active] * MS_PER_DAY + (seconds * 1000).astype(np.int64)
        start = np.maximum(start, previous_end[active] + 45 * MS_PER_MINUTE)
        is_signup = visitors.signed_up[active] & (anonymous_count[active] == visit)
        parts["visitor"].append(active)
        parts["start_ms"].append(start)
        parts["script"].append(np.where(is_signup, _SCRIPT_SIGNUP, _SCRIPT_ANONYMOUS))
        parts["first_touch"].append(np.full(len(active), visit == 0))
        parts["campaign"].append(campaign[active] if visit == 0 else np.full(len(active), -1))
        signup_ms[active[is_signup]] = start[is_signup]
        previous_end[active] = start
        day[active] = (start - window_start_ms) // MS_PER_DAY + (
            rng.geometric(b.visit_gap_probability, len(active)) - 1
        )
    columns = {key: np.concatenate(value) for key, value in parts.items()}
    return columns, signup_ms


def _draw_lifetimes(
    rng: np.random.Generator, signup_day: np.ndarray, days: int, b: Behaviour
) -> _Lifetimes:
    """Draw how long each member stays, whether they come back, and how active they are.

    Args:
        rng: Random generator.
        signup_day: Window day of each member's signup.
        days: Window length in days.
        b: Behaviour knobs.

    Returns:
        The members' lifetimes.
    """
    m = len(signup_day)
    churn_class = _categorical(rng, np.asarray(b.churn_mix), m)
    lifetime = np.where(
        churn_class == 0,
        rng.exponential(b.churn_mean_days[0], m),
        np.where(churn_class == 1, rng.exponential(b.churn_mean_days[1], m), 10.0 * days + 1e4),
    )
    churn_day = signup_day + lifetime
    comes_back = (churn_day < days) & (rng.random(m) < b.resurrection_probability)
    low, high = b.resurrection_gap_days
    resurrection_day = np.where(comes_back, churn_day + rng.uniform(low, high, m), np.inf)
    resurrection_end = resurrection_day + rng.exponential(b.resurrection_mean_days, m)
    rate = b.session_rate_median * np.exp(b.session_rate_sigma * rng.standard_normal(m))
    second_device = rng.random(m) < b.second_device_probability
    second_device_day = signup_day + rng.geometric(0.15, m)
    return _Lifetimes(
        signup_day=signup_day,
        churn_day=churn_day,
        comes_back=comes_back,
        resurrection_day=resurrection_day,
        resurrection_end=resurrection_end,
        rate=rate,
        second_device=second_device,
        second_device_day=second_device_day,
    )


def _daily_session_counts(
    rng: np.random.Generator, life: _Lifetimes, days: int, weekday: np.ndarray, b: Behaviour
) -> tuple[np.ndarray, np.ndarray]:
    """Draw each member's sessions per day from a Poisson law.

    The rate is the member's rate times the weekday's activity times an engagement that decays
    from signup to a floor; it is zero outside the member's active days. The `(members, days)`
    matrix is drawn in chunks of members to bound memory.

    Args:
        rng: Random generator.
        life: The members' lifetimes.
        days: Window length in days.
        weekday: Weekday of each window day.
        b: Behaviour knobs.

    Returns:
        Member (index into the members) and window day of each session, by member then day.
    """
    day_factor = np.asarray(WEEKDAY_ACTIVITY)[weekday]
    day_index = np.arange(days)
    m = len(life.signup_day)
    rows_parts: list[np.ndarray] = []
    days_parts: list[np.ndarray] = []
    chunk = max(1, 2_000_000 // max(days, 1))
    for first in range(0, m, chunk):
        part = slice(first, min(first + chunk, m))
        age = day_index[None, :] - life.signup_day[part, None]
        alive = ((age > 0) & (day_index[None, :] <= life.churn_day[part, None])) | (
            (day_index[None, :] >= life.resurrection_day[part, None])
            & (day_index[None, :] <= life.resurrection_end[part, None])
        )
        engagement = b.engagement_floor + (1.0 - b.engagement_floor) * np.exp(
            -np.maximum(age, 0) / b.engagement_decay_days
        )
        lam = life.rate[part, None] * day_factor[None, :] * engagement * alive
        counts = np.minimum(rng.poisson(lam), b.max_sessions_per_day)
        rows, cols = np.nonzero(counts)
        repeats = counts[rows, cols]
        rows_parts.append(np.repeat(rows + first, repeats))
        days_parts.append(np.repeat(cols, repeats))
    member_row = np.concatenate(rows_parts) if rows_parts else np.zeros(0, dtype=np.int64)
    session_day = np.concatenate(days_parts) if days_parts else np.zeros(0, dtype=np.int64)
    return member_row, session_day


def _identified_sessions(
    rng: np.random.Generator,
    visitors: Visitors,
    signup_ms: np.ndarray,
    tz_minutes: np.ndarray,
    days: int,
    weekday: np.ndarray,
    window_start_ms: int,
    b: Behaviour,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Draw sessions after signup: daily Poisson counts with churn and resurrection.

    Args:
        rng: Random generator.
        visitors: Visitors (only those who signed up get sessions).
        signup_ms: Signup session start per visitor.
        tz_minutes: UTC offset of each visitor.
        days: Window length in days.
        weekday: Weekday of each window day.
        window_start_ms: Window start (ms since epoch).
        b: Behaviour knobs.

    Returns:
        Session columns (visitor, start_ms, slot, resurrected) and the end (ms) of each
        visitor's last active day.
    """
    members = np.flatnonzero(visitors.signed_up)
    life = _draw_lifetimes(rng, (signup_ms[members] - window_start_ms) // MS_PER_DAY, days, b)
    member_row, session_day = _daily_session_counts(rng, life, days, weekday, b)
    visitor = members[member_row]
    seconds = _draw_local_start_seconds(rng, tz_minutes[visitor])
    start = window_start_ms + session_day * MS_PER_DAY + (seconds * 1000).astype(np.int64)
    on_second = (
        life.second_device[member_row]
        & (session_day >= life.second_device_day[member_row])
        & (rng.random(len(visitor)) < b.second_device_session_share)
    )
    resurrected = session_day >= life.resurrection_day[member_row]
    end_ms = np.full(visitors.count, -_NEVER, dtype=np.int64)
    last_day = np.where(life.comes_back, life.resurrection_end, np.minimum(life.churn_day, days))
    end_ms[members] = window_start_ms + (np.floor(last_day).astype(np.int64) + 1) * MS_PER_DAY
    columns = {
        "visitor": visitor,
        "start_ms": start,
        "slot": on_second.astype(np.int8),
        "resurrected": resurrected,
    }
    return columns, end_ms


def _first_per_visitor(visitor: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Return, for sessions sorted by visitor then time, the first candidate of each visitor.

    Args:
        visitor: Visitor of each session (sorted).
        candidates: Boolean mask of eligible sessions.

    Returns:
        Indices of the first eligible session of each visitor that has one.
    """
    eligible = np.flatnonzero(candidates)
    if len(eligible) == 0:
        return eligible
    _, first = np.unique(visitor[eligible], return_index=True)
    return eligible[first]


def _merge_sessions(early: dict[str, np.ndarray], later: dict[str, np.ndarray]) -> _Sessions:
    """Merge the anonymous and signup sessions with the identified ones.

    The merged sessions are ordered by visitor and start. The first session on a second device
    becomes a login (anonymous page, then identify), and the first session after a long absence
    comes from the win-back e-mail campaign.

    Args:
        early: Anonymous and signup session columns (visitor, start_ms, script, first_touch,
            campaign).
        later: Identified session columns (visitor, start_ms, slot, resurrected).

    Returns:
        The sessions.
    """
    count_early = len(early["visitor"])
    count_later = len(later["visitor"])
    visitor = np.concatenate([early["visitor"], later["visitor"]])
    start = np.concatenate([early["start_ms"], later["start_ms"]])
    script = np.concatenate([early["script"], np.full(count_later, _SCRIPT_APP)])
    slot = np.concatenate([np.zeros(count_early, np.int8), later["slot"]])
    first_touch = np.concatenate([early["first_touch"], np.zeros(count_later, bool)])
    session_campaign = np.concatenate([early["campaign"], np.full(count_later, -1)])
    resurrected = np.concatenate([np.zeros(count_early, bool), later["resurrected"]])
    order = np.lexsort((start, visitor))
    visitor, start, script, slot = visitor[order], start[order], script[order], slot[order]
    first_touch, session_campaign = first_touch[order], session_campaign[order]
    resurrected = resurrected[order]
    # The first session on a second device is a login: anonymous page, then identify.
    script[_first_per_visitor(visitor, (slot == 1) & (script == _SCRIPT_APP))] = _SCRIPT_LOGIN
    # The first session after a long absence comes from a win-back e-mail.
    session_campaign[_first_per_visitor(visitor, resurrected)] = len(CAMPAIGNS) - 1
    return _Sessions(visitor, start, script, slot, first_touch, session_campaign)


def _build_sessions(
    rng: np.random.Generator,
    visitors: Visitors,
    arrival_day: np.ndarray,
    campaign: np.ndarray,
    tz_minutes: np.ndarray,
    days: int,
    weekday: np.ndarray,
    window_start_ms: int,
    b: Behaviour,
) -> tuple[Visitors, _Sessions, np.ndarray, np.ndarray]:
    """Draw all sessions and order them by visitor and start time.

    Args:
        rng: Random generator.
        visitors: Visitors.
        arrival_day: Arrival day per visitor.
        campaign: First-touch campaign per visitor.
        tz_minutes: UTC offset per visitor.
        days: Window length in days.
        weekday: Weekday of each window day.
        window_start_ms: Window start (ms since epoch).
        b: Behaviour knobs.

    Returns:
        The visitors (with `signed_up` limited to signups inside the window), the sessions, and
        per visitor the signup time and the end of activity (ms).
    """
    window_end_ms = window_start_ms + days * MS_PER_DAY
    early, signup_ms = _anonymous_and_signup_sessions(
        rng, visitors, arrival_day, campaign, tz_minutes, window_start_ms, b
    )
    signed_up = signup_ms < window_end_ms
    visitors = replace(visitors, signed_up=signed_up)
    signup_ms[~signed_up] = _NEVER
    keep = early["start_ms"] < window_end_ms
    early = {key: value[keep] for key, value in early.items()}
    later, end_ms = _identified_sessions(
        rng, visitors, signup_ms, tz_minutes, days, weekday, window_start_ms, b
    )
    return visitors, _merge_sessions(early, later), signup_ms, end_ms


def _draw_adoption(
    rng: np.random.Generator,
    visitors: Visitors,
    signup_ms: np.ndarray,
    onboarding_completed: np.ndarray,
    days: int,
    window_start_ms: int,
) -> np.ndarray:
    """Draw when each signed-up visitor adopts each feature.

    Args:
        rng: Random generator.
        visitors: Visitors.
        signup_ms: Signup time per visitor.
        onboarding_completed: Whether the visitor completed onboarding (adopts more).
        days: Window length in days.
        window_start_ms: Window start (ms since epoch).

    Returns:
        `(visitors, features)` adoption time in ms (`_NEVER` for features never adopted).
    """
    n = visitors.count
    adoption = np.full((n, len(FEATURES)), _NEVER, dtype=np.int64)
    boost = np.where(onboarding_completed, 1.2, 0.8)
    for index, feature in enumerate(FEATURES):
        adopts = visitors.signed_up & (
            rng.random(n) < np.minimum(feature.adoption_rate * boost, 0.98)
        )
        delay = rng.exponential(feature.mean_days_to_adopt, n) * MS_PER_DAY
        at = signup_ms + delay.astype(np.int64)
        if feature.launch_fraction > 0:
            launch = window_start_ms + int(feature.launch_fraction * days * MS_PER_DAY)
            late_start = launch + (rng.exponential(7.0, n) * MS_PER_DAY).astype(np.int64)
            at = np.maximum(at, late_start)
        adoption[adopts, index] = at[adopts]
    return adoption


def _onboarding_funnel(
    rng: np.random.Generator, sessions: _Sessions, is_signup: np.ndarray, variation: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the onboarding funnel, done in the signup session with drop-off at every step.

    A visitor exposed to a variation of the onboarding experiment passes each step with the
    variation's probability. One uniform draw per session and step decides both whether the
    step is passed and whether it would have been passed with the product's own probability,
    so a variation with higher probabilities only adds completions. The behaviour after
    onboarding (feature adoption, upgrades) follows the completion without the experiment:
    the variation's true effect is on the onboarding events, and on nothing else.

    Args:
        rng: Random generator.
        sessions: Sessions sorted by visitor and start.
        is_signup: Whether each session is a signup session.
        variation: Onboarding experiment variation per visitor (-1 when not exposed).

    Returns:
        Onboarding steps done per session, and per visitor whether onboarding would have been
        completed without the experiment.
    """
    n_sessions = len(sessions.visitor)
    row = np.where(variation >= 0, variation, len(_STEP_PROBABILITIES) - 1)[sessions.visitor]
    reached = is_signup.copy()
    reached_without_experiment = is_signup.copy()
    onboarding_count = np.zeros(n_sessions, dtype=np.int64)
    for index, step in enumerate(ONBOARDING_STEPS):
        draw = rng.random(n_sessions)
        reached &= draw < _STEP_PROBABILITIES[row, index]
        reached_without_experiment &= draw < step.probability
        onboarding_count += reached
    onboarding_completed = np.zeros(len(variation), dtype=bool)
    onboarding_completed[sessions.visitor[reached_without_experiment]] = True
    return onboarding_count, onboarding_completed


def _first_in_app_session_from(
    sessions: _Sessions,
    visitor: np.ndarray,
    from_ms: np.ndarray,
    days: int,
    window_start_ms: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Find each given visitor's first in-app (app or login) session starting at or after a time.

    Args:
        sessions: Sessions sorted by visitor and start.
        visitor: Visitors to look up, in increasing order.
        from_ms: Earliest start (ms since epoch) per looked-up visitor.
        days: Window length in days.
        window_start_ms: Window start (ms since epoch).

    Returns:
        Per session whether it was found for some visitor, and per looked-up visitor whether
        a session was found.
    """
    script = sessions.script
    in_app = np.flatnonzero((script == _SCRIPT_APP) | (script == _SCRIPT_LOGIN))
    # One sortable key per session: visitor in the high bits, start within the window below.
    shift = int(days * MS_PER_DAY + MS_PER_DAY).bit_length()
    keys = (sessions.visitor[in_app].astype(np.int64) << shift) + (
        sessions.start_ms[in_app] - window_start_ms
    )
    wanted = (visitor.astype(np.int64) << shift) + np.maximum(from_ms - window_start_ms, 0)
    found = np.searchsorted(keys, wanted)
    ok = found < len(in_app)
    ok[ok] = sessions.visitor[in_app[found[ok]]] == visitor[ok]
    chosen = np.zeros(len(sessions.visitor), dtype=bool)
    chosen[in_app[found[ok]]] = True
    return chosen, ok


def _draw_upgrades(
    rng: np.random.Generator,
    visitors: Visitors,
    sessions: _Sessions,
    signup_ms: np.ndarray,
    onboarding_completed: np.ndarray,
    days: int,
    window_start_ms: int,
    b: Behaviour,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw who upgrades, to which plan, and in which session.

    The first in-app session after a drawn delay from signup ends in `Plan Upgraded` +
    `identify`; a visitor without such a session inside the window does not upgrade.

    Args:
        rng: Random generator.
        visitors: Visitors.
        sessions: Sessions sorted by visitor and start.
        signup_ms: Signup time per visitor.
        onboarding_completed: Whether the visitor completed onboarding (upgrades more often).
        days: Window length in days.
        window_start_ms: Window start (ms since epoch).
        b: Behaviour knobs.

    Returns:
        The plan each visitor upgrades to (0 = none), and per session whether it holds the
        upgrade.
    """
    n = visitors.count
    upgrade_probability = b.upgrade_probability * np.where(onboarding_completed, 2.0, 1.0)
    upgrades = visitors.signed_up & (rng.random(n) < upgrade_probability)
    target = signup_ms + (rng.exponential(b.upgrade_mean_days, n) * MS_PER_DAY).astype(np.int64)
    big_company = visitors.company_size >= 2
    team_share = np.where(big_company, 0.6, PLANS[1].share_of_upgrades)
    plan_of_visitor = np.where(upgrades, np.where(rng.random(n) < team_share, 2, 1), 0)
    upgraders = np.flatnonzero(upgrades)
    upgrade_session, found = _first_in_app_session_from(
        sessions, upgraders, target[upgraders], days, window_start_ms
    )
    plan_of_visitor[upgraders[~found]] = 0
    return plan_of_visitor, upgrade_session


def _session_lengths(
    rng: np.random.Generator,
    visitors: Visitors,
    sessions: _Sessions,
    onboarding_count: np.ndarray,
    upgrade_session: np.ndarray,
    b: Behaviour,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the number of events of each session.

    Args:
        rng: Random generator.
        visitors: Visitors.
        sessions: Sessions sorted by visitor and start.
        onboarding_count: Onboarding steps done per session.
        upgrade_session: Whether each session holds an upgrade (two more events).
        b: Behaviour knobs.

    Returns:
        Events per session, and the pages viewed before `Signed Up` per session (0 outside
        signup sessions).
    """
    n_sessions = len(sessions.visitor)
    script = sessions.script
    is_signup = script == _SCRIPT_SIGNUP
    events_median = b.events_per_session_median * np.exp(
        b.events_per_session_sigma * rng.standard_normal(visitors.count)
    )
    session_mean = events_median[sessions.visitor]
    presignup_pages = np.where(is_signup, 2 + rng.poisson(0.8, n_sessions), 0)
    count = np.select(
        [script == _SCRIPT_ANONYMOUS, is_signup, script == _SCRIPT_LOGIN],
        [
            1 + rng.poisson(1.3, n_sessions),
            presignup_pages + 2 + onboarding_count + rng.poisson(2.0, n_sessions),
            2 + rng.poisson(session_mean),
        ],
        1 + rng.poisson(session_mean),
    )
    return count + 2 * upgrade_session, presignup_pages


def _flatten_sessions(
    sessions: _Sessions,
    count: np.ndarray,
    presignup_pages: np.ndarray,
    onboarding_count: np.ndarray,
    upgrade_session: np.ndarray,
) -> _EventSlots:
    """Lay the sessions' events out one after another, one element per event.

    Args:
        sessions: Sessions sorted by visitor and start.
        count: Events per session.
        presignup_pages: Pages viewed before `Signed Up` per session.
        onboarding_count: Onboarding steps done per session.
        upgrade_session: Whether each session holds an upgrade.

    Returns:
        The event slots, in session order.
    """
    total = int(count.sum())
    session = np.repeat(np.arange(len(count)), count)
    first_of_session = np.cumsum(count) - count
    pos = np.arange(total) - first_of_session[session]
    length = count[session]
    script = sessions.script[session]
    signup = script == _SCRIPT_SIGNUP
    presignup = presignup_pages[session]
    onboarding_step = pos - presignup - 2
    onboarding_steps = onboarding_count[session]
    return _EventSlots(
        session=session,
        first_of_session=first_of_session,
        pos=pos,
        length=length,
        script=script,
        visitor=sessions.visitor[session],
        signup=signup,
        login=script == _SCRIPT_LOGIN,
        presignup_pages=presignup,
        onboarding_step=onboarding_step,
        onboarding_steps=onboarding_steps,
        onboarding=signup & (onboarding_step >= 0) & (onboarding_step < onboarding_steps),
        upgrade=upgrade_session[session] & (pos >= length - 2),
        first_page=(pos == 0) & sessions.first_touch[session],
    )


def _place_marketing_pages(
    rng: np.random.Generator, slots: _EventSlots, channel: np.ndarray, page: np.ndarray
) -> None:
    """Fill `page` with anonymous browsing: the first-touch landing page, else marketing pages.

    Args:
        rng: Random generator.
        slots: Event slots.
        channel: Acquisition channel per visitor.
        page: Page code per event, overwritten in place.
    """
    page[:] = _MARKETING_BROWSE[rng.integers(0, len(_MARKETING_BROWSE), len(page))]
    first = slots.first_page
    page[first] = _LANDING_PAGE_CODES[
        channel[slots.visitor[first]], rng.integers(0, 3, int(first.sum()))
    ]


def _place_scripted_events(slots: _EventSlots, kind: np.ndarray, page: np.ndarray) -> None:
    """Set the fixed events of signup and login sessions.

    A signup session views pages ending on /signup, then sends `Signed Up`, `identify` and the
    onboarding steps done; a login on a second device views /login (anonymous), then identifies.

    Args:
        slots: Event slots.
        kind: Event kind per event, updated in place.
        page: Page code per event, updated in place.
    """
    pos, pre, signup, login = slots.pos, slots.presignup_pages, slots.signup, slots.login
    page[signup & (pos >= pre - 1) & (pos <= pre + 1)] = _PAGE_SIGNUP
    kind[signup & (pos == pre)] = KIND_SIGNED_UP
    kind[signup & (pos == pre + 1)] = KIND_IDENTIFY
    onboarding = slots.onboarding
    kind[onboarding] = KIND_ONBOARDING[slots.onboarding_step[onboarding]]
    page[onboarding] = _ONBOARDING_PAGE_CODES[slots.onboarding_step[onboarding]]
    page[login & (pos <= 1)] = _PAGE_LOGIN
    kind[login & (pos == 1)] = KIND_IDENTIFY


def _place_app_pages(rng: np.random.Generator, slots: _EventSlots, page: np.ndarray) -> np.ndarray:
    """Put app pages on in-app session starts and on the free events of in-app use.

    Args:
        rng: Random generator.
        slots: Event slots.
        page: Page code per event, updated in place.

    Returns:
        Mask of the free events (neither scripted nor part of an upgrade).
    """
    pos = slots.pos
    app = slots.script == _SCRIPT_APP
    app_start = app & (pos == 0)
    free = (
        (app & (pos >= 1))
        | (slots.login & (pos >= 2))
        | (slots.signup & (slots.onboarding_step >= slots.onboarding_steps))
    ) & ~slots.upgrade
    app_pages = _APP_PAGE_CODES[_categorical(rng, np.asarray(APP_PAGE_WEIGHTS), len(page))]
    page[app_start | free] = app_pages[app_start | free]
    return free


def _place_features(
    rng: np.random.Generator,
    slots: _EventSlots,
    free: np.ndarray,
    adoption_ms: np.ndarray,
    session_start_ms: np.ndarray,
    kind: np.ndarray,
    page: np.ndarray,
) -> None:
    """Turn free events into feature uses, for features adopted by the session start.

    Each free event draws a page view or a feature by weight; a feature the visitor has not
    adopted yet stays a page view.

    Args:
        rng: Random generator.
        slots: Event slots.
        free: Mask of free events.
        adoption_ms: `(visitors, features)` adoption time.
        session_start_ms: Start of each session.
        kind: Event kind per event, updated in place.
        page: Page code per event, updated in place.
    """
    free_index = np.flatnonzero(free)
    candidate = _categorical(
        rng, np.array([PAGE_WEIGHT, *(f.session_weight for f in FEATURES)]), len(free_index)
    )
    is_feature = candidate > 0
    feature_rows = free_index[is_feature]
    feature = candidate[is_feature] - 1
    adopted = (
        adoption_ms[slots.visitor[feature_rows], feature]
        <= session_start_ms[slots.session[feature_rows]]
    )
    feature_rows, feature = feature_rows[adopted], feature[adopted]
    kind[feature_rows] = KIND_FEATURES[feature]
    page[feature_rows] = _FEATURE_PAGE_CODES[feature]


def _kinds_and_pages(
    rng: np.random.Generator,
    slots: _EventSlots,
    channel: np.ndarray,
    adoption_ms: np.ndarray,
    session_start_ms: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw each event's kind and page.

    Args:
        rng: Random generator.
        slots: Event slots.
        channel: Acquisition channel per visitor.
        adoption_ms: `(visitors, features)` adoption time.
        session_start_ms: Start of each session.

    Returns:
        Event kind (index into `EVENTS`) and page (index into `PAGE_PATHS`) per event.
    """
    total = len(slots.pos)
    kind = np.full(total, KIND_PAGE, dtype=np.int16)
    page = np.full(total, -1, dtype=np.int16)
    _place_marketing_pages(rng, slots, channel, page)
    _place_scripted_events(slots, kind, page)
    free = _place_app_pages(rng, slots, page)
    _place_features(rng, slots, free, adoption_ms, session_start_ms, kind, page)
    # An upgrade closes its session on the billing page: Plan Upgraded, then identify.
    kind[slots.upgrade & (slots.pos == slots.length - 2)] = KIND_PLAN_UPGRADED
    kind[slots.upgrade & (slots.pos == slots.length - 1)] = KIND_IDENTIFY
    page[slots.upgrade] = _PAGE_BILLING
    return kind, page


def _referrers(slots: _EventSlots, page: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """Referrer of each event: the previous page of the session, or on the landing page the
    channel's site.

    Args:
        slots: Event slots.
        page: Page code per event.
        channel: Acquisition channel per visitor.

    Returns:
        Index into `REFERRERS` per event (-1 for none).
    """
    referrer = np.full(len(page), -1, dtype=np.int16)
    inner = slots.pos > 0
    referrer[inner] = page[np.flatnonzero(inner) - 1]
    first = slots.first_page
    referrer[first] = _CHANNEL_REFERRER_CODES[channel[slots.visitor[first]]]
    return referrer


def _identity(
    rng: np.random.Generator, slots: _EventSlots, kind: np.ndarray, b: Behaviour
) -> tuple[np.ndarray, np.ndarray]:
    """Which ids each event carries: anonymous before identify, both afterwards (a few
    identified events without anonymous_id).

    Args:
        rng: Random generator.
        slots: Event slots.
        kind: Event kind per event.
        b: Behaviour knobs.

    Returns:
        Per event whether it carries the user_id, and whether it carries the anonymous_id.
    """
    total = len(kind)
    pos = slots.pos
    has_user_id = np.select(
        [slots.script == _SCRIPT_ANONYMOUS, slots.signup, slots.login],
        [np.zeros(total, bool), pos >= slots.presignup_pages + 1, pos >= 1],
        True,
    )
    has_anonymous_id = ~(
        has_user_id & (kind != KIND_IDENTIFY) & (rng.random(total) < b.missing_anonymous_id_share)
    )
    return has_user_id, has_anonymous_id


def _event_times(
    rng: np.random.Generator, slots: _EventSlots, kind: np.ndarray, session_start_ms: np.ndarray
) -> np.ndarray:
    """Event times: seconds to minutes between events; identify follows its trigger within a
    second.

    Args:
        rng: Random generator.
        slots: Event slots.
        kind: Event kind per event.
        session_start_ms: Start of each session.

    Returns:
        Timestamp (ms since epoch) per event.
    """
    total = len(kind)
    gap = np.exp(np.log(20_000.0) + 1.0 * rng.standard_normal(total))
    onboarding_gap = np.exp(np.log(70_000.0) + 0.8 * rng.standard_normal(total))
    gap = np.where(slots.onboarding, onboarding_gap, gap)
    gap = np.clip(gap, 300.0, 15.0 * MS_PER_MINUTE).astype(np.int64)
    identify = kind == KIND_IDENTIFY
    gap[identify] = rng.integers(100, 1500, int(identify.sum()))
    gap[slots.pos == 0] = 0
    elapsed = np.cumsum(gap)
    elapsed -= elapsed[slots.first_of_session][slots.session]
    return session_start_ms[slots.session] + elapsed


def _identify_plans(
    kind: np.ndarray, timestamp: np.ndarray, visitor: np.ndarray, plan_of_visitor: np.ndarray
) -> np.ndarray:
    """Plan carried by each identify: the visitor's plan from the upgrade on, free before.

    Args:
        kind: Event kind per event.
        timestamp: Timestamp per event.
        visitor: Visitor per event.
        plan_of_visitor: Plan each visitor upgrades to (0 = none).

    Returns:
        Plan code (into `PLAN_NAMES`) per event; 0 for events other than identify.
    """
    upgraded_at = np.full(len(plan_of_visitor), _NEVER, dtype=np.int64)
    upgrade_rows = np.flatnonzero(kind == KIND_PLAN_UPGRADED)
    upgraded_at[visitor[upgrade_rows]] = timestamp[upgrade_rows]
    return np.where(
        (kind == KIND_IDENTIFY) & (timestamp >= upgraded_at[visitor]),
        plan_of_visitor[visitor],
        0,
    ).astype(np.int8)


def _expand_sessions(
    rng: np.random.Generator,
    visitors: Visitors,
    sessions: _Sessions,
    channel: np.ndarray,
    signup_ms: np.ndarray,
    days: int,
    window_start_ms: int,
    draws: ExperimentDraws,
    b: Behaviour,
) -> tuple[dict[str, np.ndarray], dict[str, CodedColumn], np.ndarray]:
    """Turn sessions into events: kinds, pages, ids present, times and properties, then add the
    experiments' events.

    Args:
        rng: Random generator.
        visitors: Visitors.
        sessions: Sessions sorted by visitor and start.
        channel: Acquisition channel per visitor.
        signup_ms: Signup time per visitor.
        days: Window length in days.
        window_start_ms: Window start (ms since epoch).
        draws: The experiments' per-visitor draws.
        b: Behaviour knobs.

    Returns:
        Event columns, event properties, and the plan each visitor upgrades to (0 = none).
    """
    is_signup = sessions.script == _SCRIPT_SIGNUP
    onboarding_count, onboarding_completed = _onboarding_funnel(
        rng, sessions, is_signup, draws.variation
    )
    adoption_ms = _draw_adoption(
        rng, visitors, signup_ms, onboarding_completed, days, window_start_ms
    )
    plan_of_visitor, upgrade_session = _draw_upgrades(
        rng, visitors, sessions, signup_ms, onboarding_completed, days, window_start_ms, b
    )
    count, presignup_pages = _session_lengths(
        rng, visitors, sessions, onboarding_count, upgrade_session, b
    )
    slots = _flatten_sessions(sessions, count, presignup_pages, onboarding_count, upgrade_session)
    kind, page = _kinds_and_pages(rng, slots, channel, adoption_ms, sessions.start_ms)
    has_user_id, has_anonymous_id = _identity(rng, slots, kind, b)
    timestamp = _event_times(rng, slots, kind, sessions.start_ms)
    visitor = slots.visitor
    columns = {
        "visitor": visitor.astype(np.int32),
        "kind": kind,
        "slot": sessions.slot[slots.session].astype(np.int8),
        "has_user_id": has_user_id,
        "has_anonymous_id": has_anonymous_id,
        "timestamp_ms": timestamp,
        "page": page,
        "referrer": _referrers(slots, page, channel),
        "campaign": sessions.campaign[slots.session].astype(np.int16),
        "traits_plan": _identify_plans(kind, timestamp, visitor, plan_of_visitor),
    }
    properties = _session_properties(rng, kind, plan_of_visitor[visitor], visitors, visitor)
    extra, extra_properties = _experiment_events(
        slots, columns, sessions, draws, signup_ms, days, window_start_ms
    )
    columns = {
        name: np.concatenate([value, extra[name].astype(value.dtype)])
        for name, value in columns.items()
    }
    properties = _concat_properties(properties, extra_properties, len(extra["visitor"]))
    return columns, properties, plan_of_visitor


def _experiment_property_columns(
    variation: np.ndarray, flag_response: np.ndarray, is_flag: np.ndarray
) -> dict[str, CodedColumn]:
    """Properties of the experiments' events.

    Args:
        variation: Onboarding experiment variation per row (-1 for rows that are no exposure).
        flag_response: Dashboard flag response per row.
        is_flag: Rows that are `$feature_flag_called` events.

    Returns:
        `experiment_id`, `variation_id`, `experiment_name`, `variation_name` (set on exposures),
        `$feature_flag` and `$feature_flag_response` (a boolean, set on flag calls).
    """
    exposure = variation >= 0
    code = np.maximum(variation, 0).astype(np.int16)
    zero = np.zeros(len(variation), dtype=np.int16)
    experiment = ONBOARDING_EXPERIMENT
    variations = experiment.variations
    return {
        "experiment_id": CodedColumn(zero, exposure, (experiment.experiment_id,)),
        "variation_id": CodedColumn(code, exposure, tuple(v.variation_id for v in variations)),
        "experiment_name": CodedColumn(zero, exposure, (experiment.name,)),
        "variation_name": CodedColumn(code, exposure, tuple(v.name for v in variations)),
        "$feature_flag": CodedColumn(zero, is_flag.copy(), (DASHBOARD_FLAG.flag_key,)),
        "$feature_flag_response": CodedColumn(flag_response.astype(bool), is_flag.copy()),
    }


def _time_after(
    anchor: np.ndarray, fraction: np.ndarray, slots: _EventSlots, timestamp: np.ndarray
) -> np.ndarray:
    """Times strictly between each anchor event and the next event of its session (two seconds
    after the anchor when it ends its session), at `fraction` of the gap.

    Args:
        anchor: Anchor event rows.
        fraction: Fraction of the gap, per anchor, in (0, 1).
        slots: Event slots.
        timestamp: Timestamp per event.

    Returns:
        Timestamp (ms since epoch) per anchor.
    """
    at = timestamp[anchor]
    has_next = slots.pos[anchor] + 1 < slots.length[anchor]
    following = np.minimum(anchor + 1, max(len(timestamp) - 1, 0))
    gap = np.where(has_next, timestamp[following], at + 2 * MS_PER_SECOND) - at
    return at + np.clip((fraction * gap).astype(np.int64), 1, np.maximum(gap - 1, 1))


def _exposure_anchors(
    slots: _EventSlots,
    sessions: _Sessions,
    draws: ExperimentDraws,
    signup_ms: np.ndarray,
    days: int,
    window_start_ms: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the onboarding experiment's exposures go.

    Each exposed visitor's exposure follows the `identify` of the signup session. A visitor
    drawn for a second exposure gets it in the first in-app session after signup that starts
    before the experiment ends, after the session's first identified event (a login on a
    second device identifies at its second event).

    Args:
        slots: Event slots.
        sessions: Sessions sorted by visitor and start.
        draws: The experiments' per-visitor draws.
        signup_ms: Signup time per visitor.
        days: Window length in days.
        window_start_ms: Window start (ms since epoch).

    Returns:
        Per exposure: the anchor event row, the variation and the fraction of the gap after
        the anchor.
    """
    identify = np.flatnonzero(slots.signup & (slots.pos == slots.presignup_pages + 1))
    first = identify[draws.variation[slots.visitor[identify]] >= 0]
    crossed = np.flatnonzero(draws.cross_variation >= 0)
    chosen, _ = _first_in_app_session_from(
        sessions, crossed, signup_ms[crossed], days, window_start_ms
    )
    ends_ms = window_start_ms + ONBOARDING_EXPERIMENT.end_day * MS_PER_DAY
    later = np.flatnonzero(chosen & (sessions.start_ms < ends_ms))
    again = slots.first_of_session[later] + (sessions.script[later] == _SCRIPT_LOGIN)
    first_visitor, again_visitor = slots.visitor[first], slots.visitor[again]
    return (
        np.concatenate([first, again]),
        np.concatenate([draws.variation[first_visitor], draws.cross_variation[again_visitor]]),
        np.concatenate(
            [draws.exposure_fraction[first_visitor], draws.cross_fraction[again_visitor]]
        ),
    )


def _flag_anchors(
    slots: _EventSlots, columns: dict[str, np.ndarray], window_start_ms: int
) -> np.ndarray:
    """Where the dashboard flag is evaluated: each signed-up visitor's first trigger event
    (`Dashboard Viewed`) from the flag's start day on.

    Args:
        slots: Event slots.
        columns: Event columns of the sessions.
        window_start_ms: Window start (ms since epoch).

    Returns:
        The anchor event rows, one per visitor.
    """
    timestamp = columns["timestamp_ms"]
    flag_start_ms = window_start_ms + DASHBOARD_FLAG.start_day * MS_PER_DAY
    candidates = np.flatnonzero(
        (columns["kind"] == _KIND_FLAG_TRIGGER)
        & (timestamp >= flag_start_ms)
        & columns["has_user_id"]
    )
    ordered = candidates[np.lexsort((timestamp[candidates], slots.visitor[candidates]))]
    _, first = np.unique(slots.visitor[ordered], return_index=True)
    return ordered[first]


def _experiment_events(
    slots: _EventSlots,
    columns: dict[str, np.ndarray],
    sessions: _Sessions,
    draws: ExperimentDraws,
    signup_ms: np.ndarray,
    days: int,
    window_start_ms: int,
) -> tuple[dict[str, np.ndarray], dict[str, CodedColumn]]:
    """The experiments' events, each slipped in after an anchor event of the same session.

    They copy the anchor's visitor, device, ids and campaign; an exposure is on the onboarding
    checklist's page (the anchor's page as referrer), a flag call on the anchor's page.

    Args:
        slots: Event slots.
        columns: Event columns of the sessions.
        sessions: Sessions sorted by visitor and start.
        draws: The experiments' per-visitor draws.
        signup_ms: Signup time per visitor.
        days: Window length in days.
        window_start_ms: Window start (ms since epoch).

    Returns:
        Event columns and properties of the exposures, then of the flag calls.
    """
    exposure, variation, exposure_fraction = _exposure_anchors(
        slots, sessions, draws, signup_ms, days, window_start_ms
    )
    flag = _flag_anchors(slots, columns, window_start_ms)
    anchor = np.concatenate([exposure, flag])
    visitor = slots.visitor[anchor]
    is_flag = np.arange(len(anchor)) >= len(exposure)
    fraction = np.concatenate([exposure_fraction, draws.flag_fraction[visitor[is_flag]]])
    page = columns["page"][anchor]
    events = {
        "visitor": visitor,
        "kind": np.where(is_flag, KIND_FEATURE_FLAG_CALLED, KIND_EXPERIMENT_VIEWED),
        "slot": columns["slot"][anchor],
        "has_user_id": np.ones(len(anchor), dtype=bool),
        "has_anonymous_id": columns["has_anonymous_id"][anchor],
        "timestamp_ms": _time_after(anchor, fraction, slots, columns["timestamp_ms"]),
        "page": np.where(is_flag, page, _PAGE_CHECKLIST),
        "referrer": np.where(is_flag, columns["referrer"][anchor], page),
        "campaign": columns["campaign"][anchor],
        "traits_plan": np.zeros(len(anchor), dtype=np.int8),
    }
    properties = _experiment_property_columns(
        np.concatenate([variation, np.full(len(flag), -1)]),
        draws.flag_response[visitor] & is_flag,
        is_flag,
    )
    return events, properties


def _coded(
    rng: np.random.Generator,
    mask: np.ndarray,
    labels: tuple[str, ...],
    weights: tuple[float, ...] | None = None,
) -> CodedColumn:
    """Draw a string property for the rows in `mask`.

    Args:
        rng: Random generator.
        mask: Rows that get a value.
        labels: Possible values.
        weights: Optional weights of the values (uniform when None).

    Returns:
        The column.
    """
    values = np.full(len(mask), -1, dtype=np.int16)
    rows = np.flatnonzero(mask)
    w = np.ones(len(labels)) if weights is None else np.asarray(weights)
    values[rows] = _categorical(rng, w, len(rows))
    return CodedColumn(values, mask.copy(), labels)


def _session_properties(
    rng: np.random.Generator,
    kind: np.ndarray,
    plan: np.ndarray,
    visitors: Visitors,
    visitor: np.ndarray,
) -> dict[str, CodedColumn]:
    """Draw `properties` of client-side events.

    Args:
        rng: Random generator.
        kind: Event kind per event.
        plan: Plan code (upgrade target) of each event's visitor.
        visitors: Visitors.
        visitor: Visitor per event.

    Returns:
        Property columns (all billing columns empty; filled for server events).
    """
    total = len(kind)
    project_created = KIND_ONBOARDING[[s.event for s in ONBOARDING_STEPS].index("Project Created")]
    teammate_invited = KIND_ONBOARDING[
        [s.event for s in ONBOARDING_STEPS].index("Teammate Invited")
    ]
    feature_kind = dict(zip((f.event for f in FEATURES), KIND_FEATURES, strict=True))
    tokens = np.zeros(total, dtype=np.int64)
    ai = kind == feature_kind["Ai Assistant Used"]
    tokens[ai] = np.round(np.exp(6.2 + 0.8 * rng.standard_normal(int(ai.sum())))).astype(int)
    upgraded = kind == KIND_PLAN_UPGRADED
    seats = np.zeros(total, dtype=np.int64)
    team = upgraded & (plan == 2)
    seats[team] = _seats(visitors.company_size[visitor[team]], rng)
    invited = kind == teammate_invited
    invitees = np.zeros(total, dtype=np.int64)
    invitees[invited] = 1 + rng.poisson(0.8, int(invited.sum()))
    no_rows = np.zeros(total, dtype=bool)
    return {
        "method": _coded(rng, kind == KIND_SIGNED_UP, SIGNUP_METHODS, (0.6, 0.3, 0.1)),
        "template": _coded(rng, kind == project_created, PROJECT_TEMPLATES),
        "role": _coded(rng, invited, TEAM_ROLES, (0.6, 0.3, 0.1)),
        "invitee_count": CodedColumn(invitees, invited),
        "report_type": _coded(
            rng, kind == feature_kind["Report Created"], REPORT_TYPES, (0.4, 0.25, 0.2, 0.15)
        ),
        "dashboard": _coded(rng, kind == feature_kind["Dashboard Viewed"], DASHBOARD_NAMES),
        "format": _coded(
            rng, kind == feature_kind["Export Clicked"], EXPORT_FORMATS, (0.6, 0.25, 0.15)
        ),
        "integration": _coded(rng, kind == feature_kind["Integration Connected"], INTEGRATIONS),
        "tokens": CodedColumn(tokens, ai),
        "plan": CodedColumn(plan.astype(np.int16), upgraded, PLAN_NAMES),
        "previous_plan": CodedColumn(np.zeros(total, dtype=np.int16), upgraded, PLAN_NAMES),
        "seats": CodedColumn(seats, team),
        "amount": CodedColumn(np.zeros(total), no_rows),
        "currency": CodedColumn(np.zeros(total, dtype=np.int16), no_rows, CURRENCY_CODES),
        "interval": CodedColumn(np.zeros(total, dtype=np.int16), no_rows, BILLING_INTERVALS),
        "reason": CodedColumn(np.zeros(total, dtype=np.int16), no_rows, PAYMENT_FAILURE_REASONS),
        **_experiment_property_columns(np.full(total, -1), no_rows, no_rows),
    }


def _seats(company_size: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw seats of team subscriptions from the company size.

    Args:
        company_size: Index into `COMPANY_SIZES` per subscription.
        rng: Random generator.

    Returns:
        Number of seats per subscription.
    """
    low = np.array([2, 3, 5, 8, 15])[company_size]
    high = np.array([6, 15, 30, 60, 120])[company_size]
    return rng.integers(low, high + 1)


def _add_months(ms: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The same time of day on the same day of the month, `months` calendar months later (the
    month's last day when it is shorter), as billing systems renew a subscription.

    Args:
        ms: Times (ms since epoch, UTC).
        months: Months to add, per time.

    Returns:
        The times, months later.
    """
    days = ms // MS_PER_DAY
    dates = days.astype("datetime64[D]")
    month = dates.astype("datetime64[M]")
    day_of_month = (dates - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    target_days = target.astype("datetime64[D]").astype(np.int64)
    month_length = (target + 1).astype("datetime64[D]").astype(np.int64) - target_days
    return (target_days + np.minimum(day_of_month, month_length - 1)) * MS_PER_DAY + (
        ms - days * MS_PER_DAY
    )


def _next_month_start(ms: np.ndarray) -> np.ndarray:
    """Midnight UTC of the first day of the month after each time (ms since epoch)."""
    month = (ms // MS_PER_DAY).astype("datetime64[D]").astype("datetime64[M]") + 1
    return month.astype("datetime64[D]").astype(np.int64) * MS_PER_DAY


@dataclass(frozen=True)
class _Charges:
    """Charges of a set of subscriptions, one element per charge.

    Attributes:
        owner: Subscription (index into the subscriptions billed).
        kind: `Payment Succeeded` or `Payment Failed`.
        timestamp_ms: When the charge was made.
        plan: Plan code (into `PLAN_NAMES`) charged.
        seats: Seats charged (team plan; 0 otherwise).
        yearly: Whether the charge pays for a year.
    """

    owner: np.ndarray
    kind: np.ndarray
    timestamp_ms: np.ndarray
    plan: np.ndarray
    seats: np.ndarray
    yearly: np.ndarray


def _change_plans(
    rng: np.random.Generator,
    plan: np.ndarray,
    seats: np.ndarray,
    yearly: np.ndarray,
    up: np.ndarray,
    down: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply upgrades and downgrades at a monthly renewal. An upgrade moves pro to team (3 to
    6 seats) or adds 1 to 3 team seats. A downgrade removes 1 or 2 seats of a team of at least
    3 (moving it to pro below 3, cheaper than 3 seats); a customer with nothing to remove
    switches to yearly billing instead, whose monthly value is lower (two months free).

    Args:
        rng: Random generator.
        plan: Plan code per subscription.
        seats: Seats per subscription.
        yearly: Whether each subscription is billed yearly.
        up: Subscriptions that upgrade.
        down: Subscriptions that downgrade.

    Returns:
        The new plan, seats and billing interval of every subscription.
    """
    plan, seats, yearly = plan.copy(), seats.copy(), yearly.copy()
    team = plan == 2
    pro_up = up & ~team
    plan[pro_up] = 2
    seats[pro_up] = rng.integers(3, 7, int(pro_up.sum()))
    team_up = up & team
    seats[team_up] += rng.integers(1, 4, int(team_up.sum()))
    team_down = down & team & (seats >= 3)
    seats[team_down] -= rng.integers(1, 3, int(team_down.sum()))
    to_pro = team_down & (seats < 3)
    plan[to_pro] = 1
    seats[to_pro] = 0
    yearly[down & ~team_down] = True
    return plan, seats, yearly


def _billing_schedule(
    rng: np.random.Generator,
    start_ms: np.ndarray,
    cancel_ms: np.ndarray,
    plan: np.ndarray,
    seats: np.ndarray,
    yearly: np.ndarray,
    window_end_ms: int,
    b: Behaviour,
) -> tuple[_Charges, np.ndarray, np.ndarray, np.ndarray]:
    """Draw the charges of each subscription.

    The first payment follows the start within seconds; then a charge falls due a calendar
    month later (twelve after a yearly charge) on the day of the start, until the
    subscription is cancelled (at `cancel_ms`, or at a monthly renewal with
    `cancellation_probability`) or the window ends. A monthly renewal may come with an upgrade
    or a downgrade (`_change_plans`). A failed charge is retried two days later; if the retry
    fails too, the subscription ends.

    Args:
        rng: Random generator.
        start_ms: Start of each subscription (its first payment).
        cancel_ms: When each subscription is cancelled: no charge falls due from then on.
        plan: Plan code per subscription at the start.
        seats: Seats per subscription at the start (team plan).
        yearly: Whether each subscription starts billed yearly.
        window_end_ms: End of the window (ms since epoch).
        b: Behaviour knobs.

    Returns:
        The charges; per subscription, the end of its last paid period when that is inside
        the window (it lapsed), else `_NEVER`; and its plan and seats at the end.
    """
    m = len(start_ms)
    first = start_ms + rng.integers(1_000, 8_000, m)
    charges = [(np.arange(m), KIND_PAYMENT_SUCCEEDED, first, plan, seats, yearly)]
    months_paid = np.where(yearly, 12, 1)
    paid_until = _add_months(first, months_paid)
    active = np.ones(m, dtype=bool)
    earliest = start_ms.min(initial=window_end_ms)
    for _ in range(int((window_end_ms - earliest) // (28 * MS_PER_DAY)) + 1):
        due = _add_months(start_ms, months_paid) + rng.integers(0, 10 * MS_PER_MINUTE, m)
        cancelled = ~yearly & (rng.random(m) < b.cancellation_probability)
        active &= (due < cancel_ms) & (due < window_end_ms) & ~cancelled
        draw = rng.random(m)
        renews_monthly = active & ~yearly
        up = renews_monthly & (draw < b.expansion_probability)
        down = (
            renews_monthly
            & (draw >= b.expansion_probability)
            & (draw < b.expansion_probability + b.contraction_probability)
        )
        plan, seats, yearly = _change_plans(rng, plan, seats, yearly, up, down)
        fails = active & (rng.random(m) < b.payment_failure_probability)
        retried = fails & (rng.random(m) < b.payment_retry_success_probability)
        ok = active & ~fails
        for mask, kind, at in (
            (ok, KIND_PAYMENT_SUCCEEDED, due),
            (fails, KIND_PAYMENT_FAILED, due),
            (retried, KIND_PAYMENT_SUCCEEDED, due + 2 * MS_PER_DAY),
        ):
            rows = np.flatnonzero(mask)
            charges.append((rows, kind, at[rows], plan[rows], seats[rows], yearly[rows]))
        step = np.where(yearly, 12, 1)
        paid_at = np.where(retried, due + 2 * MS_PER_DAY, due)
        paid_until = np.where(ok | retried, _add_months(paid_at, step), paid_until)
        active &= ~(fails & ~retried)
        months_paid = np.where(active, months_paid + step, months_paid)
    lapsed_at = np.where(paid_until < window_end_ms, paid_until, _NEVER)
    return (
        _Charges(
            owner=np.concatenate([c[0] for c in charges]),
            kind=np.concatenate([np.full(len(c[0]), c[1]) for c in charges]).astype(np.int16),
            timestamp_ms=np.concatenate([c[2] for c in charges]),
            plan=np.concatenate([c[3] for c in charges]).astype(np.int16),
            seats=np.concatenate([c[4] for c in charges]),
            yearly=np.concatenate([c[5] for c in charges]),
        ),
        lapsed_at,
        plan,
        seats,
    )


def _charge_amounts(
    plan: np.ndarray, seats: np.ndarray, yearly: np.ndarray, eur: np.ndarray
) -> np.ndarray:
    """Amount of each charge: the plan's monthly price (per seat on the team plan), times
    `YEARLY_PRICE_MONTHS` on a yearly plan.

    Args:
        plan: Plan code (into `PLAN_NAMES`) per charge.
        seats: Seats per charge (team plan).
        yearly: Whether the charge is for a year.
        eur: Whether the charge is in EUR (USD price times `EUR_PRICE_FACTOR`).

    Returns:
        Amounts, rounded to cents.
    """
    price = np.where(plan == 2, PLANS[1].monthly_price * seats, PLANS[0].monthly_price)
    price = np.where(yearly, price * YEARLY_PRICE_MONTHS, price)
    return np.round(np.where(eur, price * EUR_PRICE_FACTOR, price), 2)


def _server_event_columns(
    visitor: np.ndarray, kind: np.ndarray, timestamp_ms: np.ndarray
) -> dict[str, np.ndarray]:
    """Event columns of server-side events: user_id only, no device, page or campaign.

    Args:
        visitor: Visitor per event.
        kind: Event kind per event.
        timestamp_ms: Event time per event.

    Returns:
        The columns.
    """
    total = len(visitor)
    return {
        "visitor": visitor.astype(np.int32),
        "kind": kind,
        "slot": np.full(total, -1, dtype=np.int8),
        "has_user_id": np.ones(total, dtype=bool),
        "has_anonymous_id": np.zeros(total, dtype=bool),
        "timestamp_ms": timestamp_ms,
        "page": np.full(total, -1, dtype=np.int16),
        "referrer": np.full(total, -1, dtype=np.int16),
        "campaign": np.full(total, -1, dtype=np.int16),
        "traits_plan": np.zeros(total, dtype=np.int8),
    }


def _billing_events(
    rng: np.random.Generator,
    visitors: Visitors,
    upgrade_visitor: np.ndarray,
    upgrade_ms: np.ndarray,
    plan_of_visitor: np.ndarray,
    seats_of_visitor: np.ndarray,
    end_ms: np.ndarray,
    tz_minutes: np.ndarray,
    window_end_ms: int,
    b: Behaviour,
) -> tuple[dict[str, np.ndarray], dict[str, CodedColumn]]:
    """Draw server-side billing events: the charges of each upgrade's subscription (monthly or
    yearly, cancelled at the end of activity or a month later), the win-backs (a customer whose
    subscription lapsed takes the offer e-mailed on the first day of the next month, and is
    billed monthly again from then on), and refunds of a few successful charges.

    Args:
        rng: Random generator.
        visitors: Visitors.
        upgrade_visitor: Visitor of each upgrade.
        upgrade_ms: Time of each upgrade.
        plan_of_visitor: Plan code per visitor.
        seats_of_visitor: Seats per visitor (team plan).
        end_ms: End of activity per visitor; the subscription is cancelled up to a month later.
        tz_minutes: UTC offset per visitor (visitors in Europe pay in EUR).
        window_end_ms: End of the window (ms since epoch).
        b: Behaviour knobs.

    Returns:
        Event columns and properties of the billing events.
    """
    m = len(upgrade_ms)
    yearly = rng.random(m) < b.yearly_probability
    cancel = end_ms[upgrade_visitor] + np.where(rng.random(m) < 0.5, 30 * MS_PER_DAY, 0)
    plan = plan_of_visitor[upgrade_visitor].astype(np.int16)
    charges, lapsed_at, last_plan, last_seats = _billing_schedule(
        rng, upgrade_ms, cancel, plan, seats_of_visitor[upgrade_visitor], yearly, window_end_ms, b
    )
    offer_ms = np.where(
        lapsed_at < _NEVER,
        _next_month_start(np.minimum(lapsed_at, window_end_ms)) + rng.integers(9, 18, m) * 3600_000,
        _NEVER,
    )
    won_back = np.flatnonzero((offer_ms < window_end_ms) & (rng.random(m) < b.winback_probability))
    comeback, _, _, _ = _billing_schedule(
        rng,
        offer_ms[won_back],
        np.full(len(won_back), _NEVER),
        last_plan[won_back],
        last_seats[won_back],
        np.zeros(len(won_back), dtype=bool),
        window_end_ms,
        b,
    )
    subscription = np.concatenate([charges.owner, won_back[comeback.owner]])
    kind = np.concatenate([charges.kind, comeback.kind])
    timestamp = np.concatenate([charges.timestamp_ms, comeback.timestamp_ms])
    charged_plan = np.concatenate([charges.plan, comeback.plan])
    charged_seats = np.concatenate([charges.seats, comeback.seats])
    charged_yearly = np.concatenate([charges.yearly, comeback.yearly])
    refunded = np.flatnonzero(
        (kind == KIND_PAYMENT_SUCCEEDED) & (rng.random(len(kind)) < b.refund_probability)
    )
    refund_ms = timestamp[refunded] + rng.integers(MS_PER_DAY, 7 * MS_PER_DAY, len(refunded))
    rows = np.concatenate([np.arange(len(kind)), refunded])
    kind = np.concatenate([kind, np.full(len(refunded), KIND_PAYMENT_REFUNDED, dtype=np.int16)])
    timestamp = np.concatenate([timestamp, refund_ms])
    visitor = upgrade_visitor[subscription[rows]]
    plan = charged_plan[rows]
    seats = charged_seats[rows]
    charge_yearly = charged_yearly[rows]
    eur = np.isin(tz_minutes[visitor], (0, 60, 120))
    every = np.ones(len(visitor), dtype=bool)
    charge = kind != KIND_PAYMENT_REFUNDED
    properties = {
        "plan": CodedColumn(plan, every, PLAN_NAMES),
        "seats": CodedColumn(seats, plan == 2),
        "amount": CodedColumn(_charge_amounts(plan, seats, charge_yearly, eur), every),
        "currency": CodedColumn(eur.astype(np.int16), every, CURRENCY_CODES),
        "interval": CodedColumn(charge_yearly.astype(np.int16), charge, BILLING_INTERVALS),
        "reason": _coded(
            rng, kind == KIND_PAYMENT_FAILED, PAYMENT_FAILURE_REASONS, (0.6, 0.3, 0.1)
        ),
    }
    return _server_event_columns(visitor, kind, timestamp), properties


def _concat_properties(
    first: dict[str, CodedColumn], second: dict[str, CodedColumn], second_rows: int
) -> dict[str, CodedColumn]:
    """Concatenate property columns of two event sets, filling absent columns with nulls.

    Args:
        first: Columns of the first set (every property present).
        second: Columns of the second set (a subset of the names).
        second_rows: Number of rows of the second set.

    Returns:
        Columns over both sets, with the names of `first`.
    """
    result: dict[str, CodedColumn] = {}
    for name, column in first.items():
        other = second.get(name)
        if other is None:
            other = CodedColumn(
                np.zeros(second_rows, dtype=column.values.dtype),
                np.zeros(second_rows, dtype=bool),
                column.labels,
            )
        result[name] = CodedColumn(
            np.concatenate([column.values, other.values.astype(column.values.dtype)]),
            np.concatenate([column.valid, other.valid]),
            column.labels,
        )
    return result


def _seats_of_visitor(
    columns: dict[str, np.ndarray],
    properties: dict[str, CodedColumn],
    upgrade_rows: np.ndarray,
    visitor_count: int,
) -> np.ndarray:
    """Seats each visitor pays for, read from the `seats` of their `Plan Upgraded` event.

    Args:
        columns: Event columns of the sessions.
        properties: Event properties of the sessions.
        upgrade_rows: Rows of the `Plan Upgraded` events.
        visitor_count: Number of visitors.

    Returns:
        Seats per visitor (0 unless upgraded to the team plan).
    """
    seats_of_visitor = np.zeros(visitor_count, dtype=np.int64)
    seats_column = properties["seats"]
    team_rows = upgrade_rows[seats_column.valid[upgrade_rows]]
    seats_of_visitor[columns["visitor"][team_rows]] = seats_column.values[team_rows]
    return seats_of_visitor


def _events_in_window(
    rng: np.random.Generator,
    visitors: Visitors,
    sessions: _Sessions,
    channel: np.ndarray,
    signup_ms: np.ndarray,
    end_ms: np.ndarray,
    tz_minutes: np.ndarray,
    days: int,
    window_start_ms: int,
    draws: ExperimentDraws,
    b: Behaviour,
) -> tuple[dict[str, np.ndarray], dict[str, CodedColumn]]:
    """Draw the clean events: the sessions' events, then the billing webhooks of the upgrades.

    Args:
        rng: Random generator.
        visitors: Visitors.
        sessions: Sessions sorted by visitor and start.
        channel: Acquisition channel per visitor.
        signup_ms: Signup time per visitor.
        end_ms: End of activity per visitor.
        tz_minutes: UTC offset per visitor.
        days: Window length in days.
        window_start_ms: Window start (ms since epoch).
        draws: The experiments' per-visitor draws.
        b: Behaviour knobs.

    Returns:
        Event columns and properties of the events whose timestamp falls inside the window,
        session events first, then billing events.
    """
    window_end_ms = window_start_ms + days * MS_PER_DAY
    columns, properties, plan_of_visitor = _expand_sessions(
        rng, visitors, sessions, channel, signup_ms, days, window_start_ms, draws, b
    )
    upgrade_rows = np.flatnonzero(columns["kind"] == KIND_PLAN_UPGRADED)
    billing, billing_properties = _billing_events(
        rng,
        visitors,
        columns["visitor"][upgrade_rows].astype(np.int64),
        columns["timestamp_ms"][upgrade_rows],
        plan_of_visitor,
        _seats_of_visitor(columns, properties, upgrade_rows, visitors.count),
        end_ms,
        tz_minutes,
        window_end_ms,
        b,
    )
    events = {name: np.concatenate([columns[name], billing[name]]) for name in columns}
    properties = _concat_properties(properties, billing_properties, len(billing["visitor"]))
    keep = np.flatnonzero(events["timestamp_ms"] < window_end_ms)
    events = {name: value[keep] for name, value in events.items()}
    properties = {name: col.take(keep) for name, col in properties.items()}
    return events, properties


def _arrival_times(
    rng: np.random.Generator, events: dict[str, np.ndarray], visitors: Visitors
) -> np.ndarray:
    """Draw arrival times: normally within seconds (mobile and tablet batch a little longer).

    Args:
        rng: Random generator.
        events: Event columns.
        visitors: Visitors.

    Returns:
        Arrival time at the collector (ms since epoch) per event.
    """
    delay = np.exp(np.log(800.0) + 1.0 * rng.standard_normal(len(events["timestamp_ms"])))
    slot = events["slot"]
    device = visitors.device_type[events["visitor"], np.maximum(slot, 0)]
    delay = np.where((slot >= 0) & (device > 0), delay * 4.0, delay)
    return events["timestamp_ms"] + np.clip(delay, 20.0, 120_000.0).astype(np.int64)


def _delay_late_arrivals(
    rng: np.random.Generator, timestamp_ms: np.ndarray, received_ms: np.ndarray, late: int
) -> np.ndarray:
    """Make some events arrive one to five days after they happened.

    Args:
        rng: Random generator.
        timestamp_ms: Event time per event.
        received_ms: Arrival time per event.
        late: Number of events to delay (at most all of them).

    Returns:
        A copy of `received_ms` with the late arrivals.
    """
    clean = len(received_ms)
    late_rows = rng.choice(clean, size=min(late, clean), replace=False)
    received_ms = received_ms.copy()
    received_ms[late_rows] = (
        timestamp_ms[late_rows]
        + MS_PER_DAY
        + rng.integers(MS_PER_MINUTE, 4 * MS_PER_DAY, len(late_rows))
    )
    return received_ms


def _draw_resent_copies(
    rng: np.random.Generator, clean: int, duplicates: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the events a client sends again, and when.

    Args:
        rng: Random generator.
        clean: Number of clean events.
        duplicates: Number of re-sent copies (at most one per event).

    Returns:
        The event each copy repeats, and its delay (ms) after the original's arrival (0 for
        about a fifth: a copy in the same batch).
    """
    duplicate_of = rng.choice(clean, size=min(duplicates, clean), replace=False)
    resend_delay = np.where(
        rng.random(len(duplicate_of)) < 0.2,
        0,
        rng.integers(MS_PER_SECOND, 36 * 3600 * MS_PER_SECOND, len(duplicate_of)),
    )
    return duplicate_of, resend_delay


def _draw_malformed_lines(
    rng: np.random.Generator, kind: np.ndarray, clean: int, malformed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw malformed lines: how each is broken and the event it is rendered from.

    The malformations take turns, shuffled; a line missing `event` is made from a track event
    (the only type that needs one).

    Args:
        rng: Random generator.
        kind: Event kind per clean event.
        clean: Number of clean events.
        malformed: Number of malformed lines.

    Returns:
        The clean event each malformed line is rendered from, and its malformation (index into
        `MALFORMATIONS`).
    """
    malformation = rng.permutation(np.arange(malformed) % len(MALFORMATIONS))
    track_rows = np.flatnonzero(np.asarray([e.type == "track" for e in EVENTS])[kind])
    malformed_of = np.where(
        np.asarray(MALFORMATIONS)[malformation] == "missing_event",
        track_rows[rng.integers(0, max(len(track_rows), 1), malformed)] if len(track_rows) else 0,
        rng.integers(0, clean, malformed),
    )
    return malformed_of, malformation


def _rows_from_events(
    events: dict[str, np.ndarray],
    properties: dict[str, CodedColumn],
    source: np.ndarray,
    received_ms: np.ndarray,
    event_id: np.ndarray,
    role: np.ndarray,
    malformation: np.ndarray,
) -> EventRows:
    """Build rows that copy events, with their own arrival, ids, roles and malformations.

    Args:
        events: Event columns.
        properties: Event properties.
        source: Event each row copies.
        received_ms: Arrival time per row.
        event_id: `(rows, 16)` event_id bytes per row.
        role: Role per row (`ROLE_*`).
        malformation: Index into `MALFORMATIONS` per row, -1 for well-formed rows.

    Returns:
        The rows, numbered in order by `seq`.
    """
    return EventRows(
        visitor=events["visitor"][source],
        kind=events["kind"][source],
        slot=events["slot"][source],
        has_user_id=events["has_user_id"][source],
        has_anonymous_id=events["has_anonymous_id"][source],
        timestamp_ms=events["timestamp_ms"][source],
        received_ms=received_ms,
        page=events["page"][source],
        referrer=events["referrer"][source],
        campaign=events["campaign"][source],
        properties={name: col.take(source) for name, col in properties.items()},
        traits_plan=events["traits_plan"][source],
        event_id=event_id,
        role=role,
        malformation=malformation,
        seq=np.arange(len(source), dtype=np.int64),
    )


def _add_dirty_input(
    rng: np.random.Generator,
    events: dict[str, np.ndarray],
    properties: dict[str, CodedColumn],
    received_ms: np.ndarray,
    event_id: np.ndarray,
    dirty_share: float,
) -> EventRows:
    """Build the rows of the clean events plus dirty input: late arrivals (30%), re-sent
    duplicates (40%) and malformed lines (30% of the dirty lines).

    Args:
        rng: Random generator.
        events: Clean event columns.
        properties: Clean event properties.
        received_ms: Arrival time per clean event.
        event_id: `(events, 16)` event_id bytes per clean event.
        dirty_share: Dirty lines as a share of the clean events.

    Returns:
        The clean rows (in event order), then the re-sent copies, then the malformed lines.
    """
    clean = len(received_ms)
    dirty = round(dirty_share * clean) if dirty_share > 0 and clean > 0 else 0
    duplicates = round(0.4 * dirty)
    late = round(0.3 * dirty)
    malformed = dirty - duplicates - late
    received_ms = _delay_late_arrivals(rng, events["timestamp_ms"], received_ms, late)
    duplicate_of, resend_delay = _draw_resent_copies(rng, clean, duplicates)
    malformed_of, malformation = _draw_malformed_lines(rng, events["kind"], clean, malformed)
    copies = len(duplicate_of)
    row_received_ms = np.concatenate(
        [
            received_ms,
            received_ms[duplicate_of] + resend_delay,
            received_ms[malformed_of] + rng.integers(0, 5 * MS_PER_MINUTE, malformed),
        ]
    )
    row_event_id = np.concatenate(
        [event_id, event_id[duplicate_of], _uuid_bytes(rng, (malformed,))]
    )
    role = np.concatenate(
        [
            np.full(clean, ROLE_CLEAN, dtype=np.int8),
            np.full(copies, ROLE_DUPLICATE, dtype=np.int8),
            np.full(malformed, ROLE_MALFORMED, dtype=np.int8),
        ]
    )
    row_malformation = np.concatenate(
        [np.full(clean + copies, -1, dtype=np.int8), malformation.astype(np.int8)]
    )
    source = np.concatenate([np.arange(clean), duplicate_of, malformed_of])
    return _rows_from_events(
        events, properties, source, row_received_ms, row_event_id, role, row_malformation
    )


def simulate(
    *,
    users: int,
    days: int,
    seed: int | np.random.SeedSequence,
    start: date,
    dirty_share: float,
    behaviour: Behaviour = BEHAVIOUR,
) -> Simulation:
    """Simulate the product's event stream.

    Args:
        users: Number of visitors arriving over the window.
        days: Window length in days; event timestamps fall in `[start, start + days)`.
        seed: Seed of the random generator (an int, or a chunk's `SeedSequence`).
        start: First day of the window (UTC).
        dirty_share: Share of dirty lines (re-sent duplicates, late arrivals, malformed lines)
            relative to the clean events; 0 gives clean input only.
        behaviour: Behaviour knobs.

    Returns:
        The rows to write, sorted by arrival, and the visitors they refer to.

    Raises:
        ValueError: If an argument is out of range.
    """
    if users < 1 or days < 1:
        raise ValueError("users and days must be at least 1")
    if not 0.0 <= dirty_share <= 0.5:
        raise ValueError("dirty_share must be within [0, 0.5]")
    rng = np.random.default_rng(seed)
    window_start_ms = (start - _EPOCH).days * MS_PER_DAY
    weekday = (start.weekday() + np.arange(days)) % 7

    visitors, arrival_day, channel, campaign, tz_minutes = _draw_visitors(
        rng, users, days, weekday, behaviour
    )
    visitors, sessions, signup_ms, end_ms = _build_sessions(
        rng, visitors, arrival_day, campaign, tz_minutes, days, weekday, window_start_ms, behaviour
    )
    draws = draw_experiments(seed, (signup_ms - window_start_ms) // MS_PER_DAY)
    events, properties = _events_in_window(
        rng,
        visitors,
        sessions,
        channel,
        signup_ms,
        end_ms,
        tz_minutes,
        days,
        window_start_ms,
        draws,
        behaviour,
    )
    received_ms = _arrival_times(rng, events, visitors)
    event_id = _uuid_bytes(rng, (len(received_ms),))
    rows = _add_dirty_input(rng, events, properties, received_ms, event_id, dirty_share)
    rows = rows.take(np.lexsort((rows.seq, rows.received_ms)))
    clean = rows.role == ROLE_CLEAN
    late = clean & (rows.received_ms // MS_PER_DAY > rows.timestamp_ms // MS_PER_DAY)
    return Simulation(visitors=visitors, rows=rows, count_late=int(np.count_nonzero(late)))
