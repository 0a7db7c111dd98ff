"""The synthetic SaaS product whose usage the generator simulates.

Everything the simulation draws from lives here as typed constants: the event catalogue (names as
the tracker sends them, in Title Case), acquisition channels, the onboarding funnel, features with
their adoption rates, plans and prices, devices, pages, the running experiments, and the
behavioural knobs (session rates, churn, resurrection, weekly seasonality). The simulation in
`event_generator.simulate` only reads these values, so changing the product means
editing this module only.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class EventDefinition:
    """One event of the catalogue.

    Attributes:
        name: Name as the tracker sends it (free text, Title Case); `None` for `page` and
            `identify` calls, which carry no `event` field.
        type: Segment call type: `track`, `page` or `identify`.
        category: Tracking-plan category (`acquisition`, `activation`, `engagement`, `feature`,
            `monetization`, `system`).
        description: What the event means.
    """

    name: str | None
    type: str
    category: str
    description: str


@dataclass(frozen=True)
class Channel:
    """A first-touch acquisition channel, carried as `context.campaign` on the first visit.

    Attributes:
        source: `utm_source`; `None` for direct traffic (no campaign at all).
        medium: `utm_medium`.
        campaign_names: Possible `utm_campaign` values, drawn uniformly.
        referrer: `document.referrer` of the landing page, or `None`.
        landing_pages: Marketing pages a visitor of this channel lands on.
        share: Share of new visitors arriving through this channel.
        signup_rate: Probability that a visitor from this channel signs up.
    """

    source: str | None
    medium: str | None
    campaign_names: tuple[str, ...]
    referrer: str | None
    landing_pages: tuple[str, ...]
    share: float
    signup_rate: float


@dataclass(frozen=True)
class OnboardingStep:
    """One onboarding step, done in the signup session.

    Attributes:
        event: Event name.
        probability: Probability of doing this step given the previous one was done.
        page_path: Page the step happens on.
    """

    event: str
    probability: float
    page_path: str


@dataclass(frozen=True)
class Feature:
    """A product feature used during sessions after signup.

    Attributes:
        event: Event name sent on each use.
        adoption_rate: Share of signed-up users who ever adopt the feature.
        mean_days_to_adopt: Mean delay (exponential) between signup and first possible use.
        session_weight: Relative weight among the events of a session once adopted (page views
            weigh `PAGE_WEIGHT`).
        page_path: Page the feature is used on.
        launch_fraction: Share of the simulated window that passes before the feature launches
            (0 = available from the start).
    """

    event: str
    adoption_rate: float
    mean_days_to_adopt: float
    session_weight: float
    page_path: str
    launch_fraction: float = 0.0


@dataclass(frozen=True)
class Plan:
    """A paid plan.

    Attributes:
        name: Plan name as sent in `properties.plan` and `traits.plan`.
        monthly_price: Monthly price in USD (per seat when `per_seat`).
        per_seat: Whether the price is multiplied by the number of seats.
        share_of_upgrades: Share of upgrades that go to this plan (small companies).
    """

    name: str
    monthly_price: float
    per_seat: bool
    share_of_upgrades: float


@dataclass(frozen=True)
class DeviceType:
    """A device class with its share and typical user agents.

    Attributes:
        type: `context.device.type`.
        share: Share of visitors whose first device is of this type.
        user_agents: User agents drawn uniformly for devices of this type.
    """

    type: str
    share: float
    user_agents: tuple[str, ...]


@dataclass(frozen=True)
class Variation:
    """One variation of an A/B experiment.

    Attributes:
        variation_id: `properties.variation_id` of its exposures (the id the warehouse joins on).
        name: `properties.variation_name` (a label).
        weight: Share of exposed users bucketed into it.
        onboarding_step_probabilities: `(step event, probability)` pairs replacing the step's
            `OnboardingStep.probability` for users in this variation; steps not named keep
            theirs.
    """

    variation_id: str
    name: str
    weight: float
    onboarding_step_probabilities: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class OnboardingExperiment:
    """An A/B test of the onboarding checklist, tracked Segment style: an `Experiment Viewed`
    track event (properties `experiment_id`, `variation_id`, `experiment_name`,
    `variation_name`, as GrowthBook's and Segment's tracking callbacks send it) in the signup
    session, right after `Signed Up` and its `identify`, before the first onboarding step.

    Users whose signup session starts in `[start + start_day, start + end_day)` (UTC midnights,
    `start` being the generator's `--start`) are exposed; in the warehouse's seed that is
    `starts_at = start + start_day` and `ends_at = start + end_day`, both at 00:00 UTC.

    Attributes:
        experiment_id: `properties.experiment_id`.
        name: `properties.experiment_name`.
        variations: The variations, control first.
        start_day: First day of the experiment, counted from the window start (day 0).
        end_day: Day the experiment stops (exclusive: the last exposed signups are on day
            `end_day - 1`, through 23:59:59.999 UTC).
        early_days: Days before `start_day` during which some signups are already exposed
            (a rollout before the official start: exposures outside the dates).
        early_share: Share of the signups of those days who are exposed.
        cross_exposure_share: Share of exposed users who are exposed again, in their first
            in-app session after signup (before `end_day`), to another variation (a bucketing
            failure: the warehouse excludes users exposed to two variations).
        stream: Constant mixed with the seed to make the experiment's own random stream.
    """

    experiment_id: str
    name: str
    variations: tuple[Variation, ...]
    start_day: int
    end_day: int
    early_days: int
    early_share: float
    cross_exposure_share: float
    stream: int


@dataclass(frozen=True)
class FeatureFlagTest:
    """An A/A test behind a boolean feature flag, tracked PostHog style: a
    `$feature_flag_called` track event (properties `$feature_flag`, the flag key, and
    `$feature_flag_response`, a JSON boolean) at a signed-up user's first use of a feature from
    `start + start_day` (00:00 UTC) on, until the window ends. The flag changes nothing.

    Attributes:
        flag_key: `properties.$feature_flag`.
        trigger_event: Event whose first occurrence from the start day on evaluates the flag.
        true_share: Share of users whose response is `true`.
        start_day: First day of the test, counted from the window start (day 0).
        stream: Constant mixed with the seed to make the test's own random stream.
    """

    flag_key: str
    trigger_event: str
    true_share: float
    start_day: int
    stream: int


@dataclass(frozen=True)
class Behaviour:
    """Numeric knobs of user behaviour; all rates are per user unless stated otherwise.

    Attributes:
        early_arrival_boost: Extra arrival weight on the first days (launch wave).
        early_arrival_decay_days: Decay (days) of that extra weight.
        anonymous_extra_visit_probability: Chance a visitor who never signs up comes back again
            (geometric number of extra anonymous sessions).
        max_anonymous_sessions: Cap on anonymous sessions of a visitor.
        presignup_session_probabilities: Probability of 0, 1, 2 anonymous sessions before the
            signup session for visitors who sign up.
        visit_gap_probability: Daily probability parameter of the geometric gap (days) between
            anonymous visits.
        session_rate_median: Median sessions per weekday of an active signed-up user.
        session_rate_sigma: Log-normal spread of that rate across users.
        max_sessions_per_day: Cap on sessions of one user on one day.
        events_per_session_median: Median extra events after the first event of an in-app
            session.
        events_per_session_sigma: Log-normal spread of that mean across users.
        engagement_floor: Long-run engagement as a share of the first weeks' engagement.
        engagement_decay_days: Decay (days) from initial to long-run engagement.
        churn_mix: Shares of (quick, medium, retained) users.
        churn_mean_days: Mean lifetime (days, exponential) of quick and medium churners.
        resurrection_probability: Chance a churned user comes back once.
        resurrection_gap_days: Range (days) of the absence before coming back.
        resurrection_mean_days: Mean length (days) of the comeback period.
        second_device_probability: Chance a signed-up user also uses a second device.
        second_device_session_share: Share of sessions on the second device once it is in use.
        missing_anonymous_id_share: Share of identified client events sent without anonymous_id.
        upgrade_probability: Base chance a signed-up user upgrades (doubled when onboarding was
            completed).
        upgrade_mean_days: Mean days from signup to upgrade.
        payment_failure_probability: Chance a monthly charge fails.
        payment_retry_success_probability: Chance the retry two days after a failure succeeds
            (otherwise the subscription ends).
        yearly_probability: Chance a new subscription is billed yearly (`YEARLY_PRICE_MONTHS`
            months' price once a year) rather than monthly.
        expansion_probability: Chance a monthly renewal comes with an upgrade (pro to team, or
            more team seats).
        contraction_probability: Chance a monthly renewal comes with a downgrade (fewer team
            seats, team to pro below 3 seats; a customer with nothing to remove switches to
            yearly billing, worth less a month).
        cancellation_probability: Chance a monthly subscription is cancelled at a renewal
            (no charge from then on), whatever its user's activity.
        refund_probability: Chance a successful charge is refunded in full a few days later.
        winback_probability: Chance a customer whose subscription lapsed takes the win-back
            offer e-mailed on the first day of the next month, and subscribes again that day.
        camel_case_share: Share of visitors whose events use Segment camelCase field names.
        offset_timestamp_share: Share of visitors whose timestamps carry their local offset.
        plus_zero_suffix_share: Share of visitors whose timestamps end in `+00:00`, not `Z`.
    """

    early_arrival_boost: float = 1.5
    early_arrival_decay_days: float = 10.0
    anonymous_extra_visit_probability: float = 0.35
    max_anonymous_sessions: int = 4
    presignup_session_probabilities: tuple[float, float, float] = (0.55, 0.3, 0.15)
    visit_gap_probability: float = 0.4
    session_rate_median: float = 1.2
    session_rate_sigma: float = 0.7
    max_sessions_per_day: int = 5
    events_per_session_median: float = 8.0
    events_per_session_sigma: float = 0.45
    engagement_floor: float = 0.55
    engagement_decay_days: float = 21.0
    churn_mix: tuple[float, float, float] = (0.25, 0.45, 0.30)
    churn_mean_days: tuple[float, float] = (3.0, 30.0)
    resurrection_probability: float = 0.2
    resurrection_gap_days: tuple[float, float] = (14.0, 45.0)
    resurrection_mean_days: float = 12.0
    second_device_probability: float = 0.25
    second_device_session_share: float = 0.35
    missing_anonymous_id_share: float = 0.02
    upgrade_probability: float = 0.2
    upgrade_mean_days: float = 12.0
    payment_failure_probability: float = 0.08
    payment_retry_success_probability: float = 0.75
    yearly_probability: float = 0.2
    expansion_probability: float = 0.15
    contraction_probability: float = 0.15
    cancellation_probability: float = 0.1
    refund_probability: float = 0.03
    winback_probability: float = 0.35
    camel_case_share: float = 0.10
    offset_timestamp_share: float = 0.05
    plus_zero_suffix_share: float = 0.10


# --- Event catalogue -------------------------------------------------------------------------

PAGE = EventDefinition(None, "page", "engagement", "A page was viewed (web).")
IDENTIFY = EventDefinition(
    None, "identify", "system", "Ties the device's anonymous_id to a user_id and sets traits."
)
SIGNED_UP = EventDefinition("Signed Up", "track", "acquisition", "An account was created.")
PLAN_UPGRADED = EventDefinition(
    "Plan Upgraded", "track", "monetization", "The account moved from free to a paid plan."
)
PAYMENT_SUCCEEDED = EventDefinition(
    "Payment Succeeded", "track", "monetization", "A charge succeeded (billing webhook)."
)
PAYMENT_FAILED = EventDefinition(
    "Payment Failed", "track", "monetization", "A charge failed (billing webhook)."
)
PAYMENT_REFUNDED = EventDefinition(
    "Payment Refunded", "track", "monetization", "A charge was refunded (billing webhook)."
)
EXPERIMENT_VIEWED = EventDefinition(
    "Experiment Viewed",
    "track",
    "system",
    "The user was shown a variation of an A/B experiment (tracking callback of the SDK).",
)
FEATURE_FLAG_CALLED = EventDefinition(
    "$feature_flag_called",
    "track",
    "system",
    "A feature flag was evaluated for the user (PostHog's own event name, sent as is).",
)

ONBOARDING_STEPS: tuple[OnboardingStep, ...] = (
    OnboardingStep("Onboarding Started", 0.90, "/app/onboarding"),
    OnboardingStep("Profile Completed", 0.78, "/app/onboarding/profile"),
    OnboardingStep("Project Created", 0.72, "/app/onboarding/project"),
    OnboardingStep("Teammate Invited", 0.55, "/app/onboarding/team"),
    OnboardingStep("Onboarding Completed", 0.85, "/app/onboarding/done"),
)

FEATURES: tuple[Feature, ...] = (
    Feature("Dashboard Viewed", 0.88, 0.5, 0.30, "/app/dashboards"),
    Feature("Report Created", 0.55, 4.0, 0.14, "/app/reports"),
    Feature("Export Clicked", 0.30, 8.0, 0.06, "/app/reports"),
    Feature("Integration Connected", 0.18, 10.0, 0.02, "/app/integrations"),
    Feature("Ai Assistant Used", 0.22, 5.0, 0.10, "/app/assistant", launch_fraction=0.4),
)

PAGE_WEIGHT: float = 0.35
"""Relative weight of a page view among in-app events (features weigh `Feature.session_weight`)."""

EVENTS: tuple[EventDefinition, ...] = (
    PAGE,
    IDENTIFY,
    SIGNED_UP,
    *(
        EventDefinition(step.event, "track", "activation", f"Onboarding step: {step.event}.")
        for step in ONBOARDING_STEPS
    ),
    *(
        EventDefinition(feature.event, "track", "feature", f"Feature used: {feature.event}.")
        for feature in FEATURES
    ),
    PLAN_UPGRADED,
    PAYMENT_SUCCEEDED,
    PAYMENT_FAILED,
    EXPERIMENT_VIEWED,
    FEATURE_FLAG_CALLED,
    PAYMENT_REFUNDED,
)
"""Every event the generator emits; the simulation refers to events by index into this tuple
(new events go last, so the codes of the others stay)."""

# --- Acquisition -------------------------------------------------------------------------------

CHANNELS: tuple[Channel, ...] = (
    Channel(
        "google",
        "cpc",
        ("brand_search", "generic_analytics", "competitor_keywords"),
        "https://www.google.com/",
        ("/", "/pricing", "/features"),
        0.28,
        0.36,
    ),
    Channel(None, None, (), None, ("/", "/pricing", "/login"), 0.25, 0.45),
    Channel(
        "newsletter",
        "email",
        ("product_update", "weekly_digest"),
        None,
        ("/features", "/blog/retention-metrics"),
        0.12,
        0.50,
    ),
    Channel(
        "twitter",
        "social",
        ("launch_thread", "customer_story"),
        "https://t.co/",
        ("/blog/product-analytics-guide", "/customers", "/"),
        0.13,
        0.22,
    ),
    Channel(
        "partner",
        "referral",
        ("agency_program", "marketplace_listing"),
        "https://partners.example.org/",
        ("/", "/customers"),
        0.10,
        0.55,
    ),
    Channel(
        "linkedin",
        "social",
        ("b2b_awareness",),
        "https://www.linkedin.com/",
        ("/blog/product-analytics-guide", "/pricing"),
        0.12,
        0.28,
    ),
)

WINBACK_CAMPAIGN: tuple[str, str, str] = ("newsletter", "email", "we_miss_you")
"""`(source, medium, name)` of the e-mail that brings back (resurrects) churned users."""

# --- Pages ----------------------------------------------------------------------------------

MARKETING_HOST: str = "https://www.example.com"
APP_HOST: str = "https://app.example.com"

MARKETING_PAGES: tuple[str, ...] = (
    "/",
    "/pricing",
    "/features",
    "/customers",
    "/blog/product-analytics-guide",
    "/blog/retention-metrics",
    "/signup",
    "/login",
)
"""Pages on `MARKETING_HOST`; anonymous visitors browse the first six."""

APP_PAGES: tuple[str, ...] = (
    "/app/home",
    "/app/dashboards",
    "/app/reports",
    "/app/projects",
    "/app/settings",
    "/app/team",
    "/app/integrations",
    "/app/assistant",
    "/app/billing",
)
"""Pages on `APP_HOST` viewed in in-app sessions (onboarding pages come from the steps)."""

APP_PAGE_WEIGHTS: tuple[float, ...] = (0.30, 0.20, 0.18, 0.14, 0.06, 0.04, 0.03, 0.02, 0.03)

# --- Devices and context -------------------------------------------------------------------

DEVICES: tuple[DeviceType, ...] = (
    DeviceType(
        "desktop",
        0.62,
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.1 Safari/605.1.15",
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        ),
    ),
    DeviceType(
        "mobile",
        0.32,
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
            "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
        ),
    ),
    DeviceType(
        "tablet",
        0.06,
        (
            "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        ),
    ),
)

WEB_LIBRARY: tuple[str, str] = ("analytics.js", "2.11.1")
"""`context.library` (name, version) of client-side (browser) events."""
SERVER_LIBRARY: tuple[str, str] = ("analytics-python", "2.3.1")
"""`context.library` of server-side events (billing webhooks): no page, device or anonymous_id."""

EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")

COMPANY_SIZES: tuple[str, ...] = ("1-10", "11-50", "51-200", "201-1000", "1000+")
COMPANY_SIZE_SHARES: tuple[float, ...] = (0.38, 0.30, 0.18, 0.10, 0.04)

TIMEZONE_OFFSETS_MINUTES: tuple[int, ...] = (0, 60, 120, -300, -480)
"""Visitors' UTC offsets; they shift the hour of sessions and the rendered offset of a few."""
TIMEZONE_SHARES: tuple[float, ...] = (0.22, 0.35, 0.10, 0.22, 0.11)

WEEKDAY_ACTIVITY: tuple[float, ...] = (1.0, 1.06, 1.05, 1.0, 0.88, 0.32, 0.28)
"""Session-rate factor by weekday, Monday first (a B2B product: quiet weekends)."""
WEEKDAY_ARRIVALS: tuple[float, ...] = (1.0, 1.05, 1.05, 1.0, 0.9, 0.55, 0.5)
"""Arrival (first visit) factor by weekday, Monday first."""

# --- Monetization -----------------------------------------------------------------------------

PLANS: tuple[Plan, ...] = (
    Plan("pro", 29.0, False, 0.72),
    Plan("team", 12.0, True, 0.28),
)
FREE_PLAN: str = "free"
CURRENCIES: tuple[str, ...] = ("USD", "EUR")
EUR_PRICE_FACTOR: float = 0.92
"""Prices in EUR are the USD price times this factor (visitors in UTC+0..+2 pay in EUR)."""
BILLING_INTERVALS: tuple[str, ...] = ("month", "year")
"""`properties.interval` of a charge: monthly, or yearly (charged once for twelve months)."""
YEARLY_PRICE_MONTHS: int = 10
"""A yearly plan costs this many months of the monthly price (two months free)."""
PAYMENT_FAILURE_REASONS: tuple[str, ...] = ("card_declined", "insufficient_funds", "expired_card")

# --- Event properties -----------------------------------------------------------------------

SIGNUP_METHODS: tuple[str, ...] = ("email", "google", "github")
PROJECT_TEMPLATES: tuple[str, ...] = ("blank", "web_analytics", "product_launch", "marketing")
TEAM_ROLES: tuple[str, ...] = ("editor", "viewer", "admin")
REPORT_TYPES: tuple[str, ...] = ("trend", "funnel", "retention", "table")
DASHBOARD_NAMES: tuple[str, ...] = ("Overview", "Growth", "Engagement", "Revenue")
EXPORT_FORMATS: tuple[str, ...] = ("csv", "pdf", "xlsx")
INTEGRATIONS: tuple[str, ...] = ("slack", "hubspot", "salesforce", "bigquery", "github")

# --- Experiments ------------------------------------------------------------------------------

ONBOARDING_EXPERIMENT = OnboardingExperiment(
    experiment_id="onboarding_checklist_v2",
    name="Onboarding checklist v2",
    variations=(
        Variation("control", "Control", 0.5),
        # The new checklist lets users invite a teammate inline: more of them pass that step,
        # so about 32% of signups complete onboarding instead of about 24%.
        Variation("checklist_v2", "Checklist v2", 0.5, (("Teammate Invited", 0.75),)),
    ),
    start_day=7,
    end_day=49,
    early_days=2,
    early_share=0.25,
    cross_exposure_share=0.012,
    stream=2001,
)
"""Segment-style A/B test with a true effect on onboarding completion and none elsewhere: the
behaviour after onboarding (feature adoption, upgrades, payments) follows the completion each
user would have had in control."""

DASHBOARD_FLAG = FeatureFlagTest(
    flag_key="dashboard_flag",
    trigger_event="Dashboard Viewed",
    true_share=0.5,
    start_day=14,
    stream=2002,
)
"""PostHog-style A/A test: the flag's response has no effect on anything."""

BEHAVIOUR = Behaviour()
"""The behaviour the generator uses."""
