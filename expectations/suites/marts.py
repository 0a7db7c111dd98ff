"""Mart suites: invariants of the marts that every build must keep (structural: failing blocks).

Each suite validates one frame, read by the SQL beside it (``FRAMES``), so the suite and the shape
of the data it expects live together.
"""

from typing import Any

MARTS_PLACEHOLDER = "{marts}"  # the schema of the marts under test (the candidates)

FRAMES: dict[str, str] = {
    # one row per funnel × step, with the previous step's user count (null at step 1)
    "funnel_conversion": """
        select
            funnel_name,
            step_number,
            count_users,
            lag(count_users) over (
                partition by funnel_name order by step_number
            ) as count_users_previous_step,
            conversion_rate_from_first,
            conversion_rate_from_previous
        from {marts}.agg_funnel_conversion
    """,
    "sessions": """
        select session_id, started_at, ended_at, duration_seconds
        from {marts}.fct_sessions
    """,
    "active_users": """
        select activity_date, dau, wau, mau, stickiness
        from {marts}.agg_active_users
    """,
    "retention": """
        select
            retention_name, cohort_start, period_number, retention_rate,
            retention_rate_unbounded
        from {marts}.agg_retention
    """,
    "feature_adoption": """
        select feature_name, week_start, adoption_rate
        from {marts}.agg_feature_adoption
    """,
    # one row: fct_events against loaded rows − duplicates − rows removed by documented rules
    "events_reconciliation": """
        with
        loaded as (
            select
                count(*) as count_loaded,
                count(*) filter (where not has_analytics_consent) as count_without_consent,
                count(*) filter (where has_analytics_consent) as count_consented,
                count(distinct case when has_analytics_consent then event_id end)
                    as count_consented_distinct
            from raw.events
        ),
        kept as (
            select count(*) as count_fct_events from {marts}.fct_events
        ),
        counted as (
            select
                kept.count_fct_events,
                loaded.count_loaded,
                loaded.count_consented - loaded.count_consented_distinct as count_duplicates,
                loaded.count_without_consent as count_removed_by_rules
            from loaded cross join kept
        )
        select
            *,
            count_loaded - count_duplicates - count_removed_by_rules as count_expected
        from counted
    """,
}


def frame_sql(suite: str, marts_schema: str) -> str:
    """The SQL of a suite's frame, reading the marts of ``marts_schema``."""
    return FRAMES[suite].replace(MARTS_PLACEHOLDER, marts_schema)


"""Rows removed by documented rules: events whose ``context.consent.analytics`` is false are
loaded into raw.events (so every line is accounted for) but kept out of every modelled layer;
duplicates are counted among the consented copies, since dedup runs after the consent filter.
``forget`` deletes from raw.events itself, so it needs no term here. A new rule that drops rows
between raw.events and fct_events must add its count to ``count_removed_by_rules``."""


def funnel_conversion_expectations() -> list[Any]:
    """Counts never grow with the step; conversion rates lie in [0, 1]."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="count_users_previous_step",
            column_B="count_users",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        *_rates("conversion_rate_from_first", "conversion_rate_from_previous"),
    ]


def sessions_expectations(max_session_hours: float) -> list[Any]:
    """Durations lie in [0, max_session_hours]; no session ends before it starts."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="duration_seconds"),
        gxe.ExpectColumnValuesToBeBetween(
            column="duration_seconds", min_value=0, max_value=max_session_hours * 3600
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ended_at", column_B="started_at", or_equal=True
        ),
    ]


def active_users_expectations() -> list[Any]:
    """dau ≤ wau ≤ mau on every day; stickiness in [0, 1]."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="wau", column_B="dau", or_equal=True),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="mau", column_B="wau", or_equal=True),
        *_rates("stickiness"),
    ]


def retention_expectations() -> list[Any]:
    """Retention rates lie in [0, 1]."""
    return _rates("retention_rate", "retention_rate_unbounded")


def feature_adoption_expectations() -> list[Any]:
    """Adoption rates lie in [0, 1]."""
    return _rates("adoption_rate")


def events_reconciliation_expectations() -> list[Any]:
    """Exact: rows in fct_events = loaded rows − duplicates − rows removed by documented rules."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectTableRowCountToEqual(value=1),
        gxe.ExpectColumnPairValuesToBeEqual(column_A="count_fct_events", column_B="count_expected"),
    ]


def _rates(*columns: str) -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)
        for column in columns
    ]
