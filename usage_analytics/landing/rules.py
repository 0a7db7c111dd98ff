"""The SQL that parses, validates and normalizes landed lines (DuckDB dialect).

The classification query is ``sql/classify_lines.sql``, and the expressions it repeats are the
temp macros of ``sql/macros.sql``; both are packaged with the code and read with
``importlib.resources``. Every value of a run is a bound parameter, never formatted in.
"""

import functools
from importlib import resources
from pathlib import Path

import duckdb


@functools.cache
def landing_sql(name: str) -> str:
    """The text of ``usage_analytics/landing/sql/<name>``."""
    return (resources.files("usage_analytics.landing") / "sql" / name).read_text(encoding="utf-8")


# Keys whose values are personal data wherever they appear in `properties`, `traits` and
# `context.traits` (CONTRACT §1), as normalized keys: a key matches when it normalizes to one of
# these like an event name (lower-cased, camelCase split, a leading `$` and any other run of
# non-alphanumerics turned into `_`), so `Email`, `$email`, `firstName` and `First Name` match.
# Analysts add keys in seeds/personal_keys.csv.
DEFAULT_PERSONAL_KEYS: tuple[str, ...] = (
    # email
    "email", "email_address", "e_mail",
    # phone
    "phone", "phone_number", "mobile", "mobile_phone", "mobile_number", "cell_phone",
    "telephone", "fax",
    # names
    "name", "full_name", "first_name", "last_name", "middle_name", "given_name",
    "family_name", "surname", "maiden_name", "display_name", "username", "user_name",
    # address
    "address", "street", "street_address", "address_line1", "address_line2",
    "postal_address", "home_address", "billing_address", "shipping_address",
    "postal_code", "postcode", "zip", "zip_code",
    # network and identity documents
    "ip", "ip_address", "birthday", "date_of_birth", "birth_date", "dob", "ssn",
    "social_security_number", "national_id", "passport_number", "tax_id",
)  # fmt: skip

# A run of characters that may normalize to `_` inside a key's JSON text: anything but ASCII
# letters and digits, the quote ending the key and a backslash, or one JSON escape. Letters and
# digits of other scripts count as separators here, which only widens the match: an ASCII-only
# class keeps the expression about 40 times faster than one of Unicode classes.
_KEY_SEPARATOR = r'(?:[^"a-zA-Z0-9\\]|\\u[0-9a-fA-F]{4}|\\.)*'


def personal_key_pattern(personal_keys: list[str]) -> str:
    """A regular expression (RE2) that matches, in the JSON text of an object, each key that
    normalizes to one of ``personal_keys`` (already normalized): the parts of a key between its
    ``_``s in order, case-insensitively, with any separators (or none, for camelCase) around and
    between them. It also matches some keys that do not normalize to one: landing uses it to
    skip the objects that cannot hold a personal key, then compares the normalized keys."""
    alternatives = "|".join(
        _KEY_SEPARATOR.join(part for part in key.split("_") if part)
        for key in sorted(personal_keys)
        if key
    )
    return f'(?i)"{_KEY_SEPARATOR}(?:{alternatives}){_KEY_SEPARATOR}":'


def read_personal_keys(
    seed: Path | None, con: duckdb.DuckDBPyConnection | None = None
) -> list[str]:
    """The personal keys, normalized like event names: ``DEFAULT_PERSONAL_KEYS`` and the rows
    of ``seed`` (``seeds/personal_keys.csv``, column ``key_name``; a missing file adds none).

    Args:
        seed: The seed file.
        con: A connection to normalize on (default: a new in-memory one).

    Raises:
        ValueError: The seed cannot be read, lacks ``key_name``, or has a row whose key is
            empty or has no letter or digit (one line naming the file and the row's line).
    """
    con = con or duckdb.connect()
    create_landing_macros(con)
    rows: list[tuple[int, str | None]] = []
    if seed is not None and seed.exists():
        try:
            rows = con.execute(
                "select row_number() over () + 1, key_name"
                " from read_csv(?, header = true, all_varchar = true)",
                [str(seed)],
            ).fetchall()
        except duckdb.Error as error:
            reason = str(error).splitlines()[0]
            raise ValueError(f"{seed}: not a seed of personal keys ({reason})") from error
    keys = [key for _, key in rows] + list(DEFAULT_PERSONAL_KEYS)
    ((normalized,),) = con.execute(
        "select list_transform(?::varchar[], lambda key: normalize_event_name(key))", [keys]
    ).fetchall()
    for (line, key), name in zip(rows, normalized, strict=False):
        if not name:
            problem = f"{key!r} has no letter or digit" if key and key.strip() else "is empty"
            raise ValueError(f"{seed}, line {line}: key_name {problem}")
    return sorted(set(normalized))


def create_landing_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Creates (or replaces) landing's temp macros on ``con`` (``sql/macros.sql``), among them
    ``normalize_event_name(name)``, CONTRACT §1's event name normalization."""
    con.execute(landing_sql("macros.sql"))


def pii_digest_sql(salt_sql: str, value_sql: str) -> str:
    """SQL of the salted SHA-256 of ``value_sql`` (lower-case hex), the one hash of personal
    data: landing hashes emails, IPs, personal keys and PII properties with it (written out in
    ``sql/classify_lines.sql``, ``sql/hash_pii_properties.sql`` and
    ``sql/hash_personal_data.sql``), ``forget`` hashes ids with it.
    """
    return f"sha256({salt_sql} || {value_sql})"


def _is_json_false(doc: str, path: str) -> str:
    return f"""coalesce(json_type({doc}, '{path}') = 'BOOLEAN'
        and json_extract_string({doc}, '{path}') = 'false', false)"""


# Where `context` says whether the person refused analytics: ``consent.analytics``, or
# Segment's consent object ``consent.categoryPreferences.analytics`` (or ``Analytics``).
CONSENT_PATHS: tuple[str, ...] = (
    "$.consent.analytics",
    "$.consent.categoryPreferences.analytics",
    "$.consent.categoryPreferences.Analytics",
)


def analytics_consent_sql(context: str) -> str:
    """SQL: false only when the event says the person refused analytics, else true.

    Refusal is JSON ``false`` at one of ``CONSENT_PATHS`` of ``context``. A missing, null or
    non-boolean value is not a refusal. (Landing reads the same paths in
    ``sql/classify_lines.sql``, from its one parse of the line.)
    """
    refusals = " or ".join(_is_json_false(context, path) for path in CONSENT_PATHS)
    return f"not ({refusals})"


def line_consent_paths() -> list[str]:
    """``CONSENT_PATHS`` as paths of a landed line (under its `context`)."""
    return ["$.context" + path.removeprefix("$") for path in CONSENT_PATHS]
