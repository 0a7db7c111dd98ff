"""The SQL that parses, validates and normalizes landed lines (DuckDB dialect).

The classification query is ``sql/classify_lines.sql``, and the expressions it repeats are the
temp macros of ``sql/macros.sql``; both are packaged with the code and read with
``importlib.resources``. Every value of a run is a bound parameter, never formatted in.
"""

import functools
from importlib import resources

import duckdb


@functools.cache
def landing_sql(name: str) -> str:
    """The text of ``usage_analytics/landing/sql/<name>``."""
    return (resources.files("usage_analytics.landing") / "sql" / name).read_text(encoding="utf-8")


def create_landing_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Creates (or replaces) landing's temp macros on ``con`` (``sql/macros.sql``), among them
    ``normalize_event_name(name)``, CONTRACT §1's event name normalization."""
    con.execute(landing_sql("macros.sql"))


def pii_digest_sql(salt_sql: str, value_sql: str) -> str:
    """SQL of the salted SHA-256 of ``value_sql`` (lower-case hex), the one hash of personal
    data: landing hashes emails, IPs and PII properties with it (written out in
    ``sql/classify_lines.sql``), ``forget`` hashes ids with it.
    """
    return f"sha256({salt_sql} || {value_sql})"


def _is_json_false(doc: str, path: str) -> str:
    return f"""coalesce(json_type({doc}, '{path}') = 'BOOLEAN'
        and json_extract_string({doc}, '{path}') = 'false', false)"""


def analytics_consent_sql(context: str) -> str:
    """SQL: false only when the event says the person refused analytics, else true.

    Refusal is ``context.consent.analytics`` set to JSON ``false``, or Segment's consent
    object ``context.consent.categoryPreferences.analytics`` (or ``Analytics``) set to
    ``false``. A missing, null or non-boolean value is not a refusal.
    """
    paths = (
        "$.consent.analytics",
        "$.consent.categoryPreferences.analytics",
        "$.consent.categoryPreferences.Analytics",
    )
    refusals = " or ".join(_is_json_false(context, path) for path in paths)
    return f"not ({refusals})"
