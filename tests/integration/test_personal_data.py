"""Personal data end to end (CONTRACT §1): after a run, no personal value of the input appears in
clear in any table of any layer, marts included; only a quarantined line's raw text may hold it.
"""

import hashlib
from pathlib import Path

import duckdb
import pytest

from tests.conftest import hits, run_cli, write_events

pytestmark = pytest.mark.integration

SALT = "personal-data-test-salt"
PERSONAL_VALUES = {
    "email": "Ann.Lee@Example.com",
    "capitalized_email": "ann.lee@example.com",
    "phone": "+44 20 7946 0958",
    "first_name": "Annabel",
    "last_name": "Leeworth",
    "street": "221B Baker Street",
    "billing_email": "billing@acme-corp.example",
    "context_phone": "+1 202 555 0143",
    "url_email": "invitee@example.net",
    "ip": "192.0.2.77",
}


def events() -> list[dict[str, object]]:
    """A user's signup, identify and ordinary events carrying personal data in many places."""
    common = {"user_id": "user-pd-1", "received_at": "2026-01-05T11:00:00Z"}
    return [
        {
            **common,
            "event_id": "pd-1",
            "type": "identify",
            "timestamp": "2026-01-05T10:00:00Z",
            "traits": {
                "Email": PERSONAL_VALUES["email"],
                "firstName": PERSONAL_VALUES["first_name"],
                "$last_name": PERSONAL_VALUES["last_name"],
                "address": {"street": PERSONAL_VALUES["street"], "country": "UK"},
                "company_size": "11-50",
                "plan": "pro",
            },
            "context": {
                "ip": PERSONAL_VALUES["ip"],
                "traits": {"phone_number": PERSONAL_VALUES["context_phone"]},
            },
        },
        {
            **common,
            "event_id": "pd-2",
            "event": "Project Created",
            "timestamp": "2026-01-05T10:05:00Z",
            "properties": {
                "email": PERSONAL_VALUES["capitalized_email"],
                "Phone": PERSONAL_VALUES["phone"],
                "billing": {"contact": PERSONAL_VALUES["billing_email"]},
            },
            "context": {
                "page": {
                    "path": "/invite",
                    "url": f"https://app.example.com/invite?to={PERSONAL_VALUES['url_email']}",
                },
            },
        },
        {
            **common,
            "event_id": "pd-3",
            "type": "page",
            "timestamp": "2026-01-05T10:06:00Z",
            "context": {"page": {"path": "/pricing"}},
        },
    ]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("personal_data")
    folder = write_events(work / "events" / "day1.jsonl", events()).parent
    path = work / "warehouse.duckdb"
    run = run_cli(
        "run",
        "--events",
        str(folder),
        "--warehouse",
        str(path),
        env={"USAGE_ANALYTICS_PII_SALT": SALT},
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return path


def test_no_personal_value_in_clear_in_any_layer(warehouse: Path) -> None:
    hashed_email = hashlib.sha256((SALT + "ann.lee@example.com").encode()).hexdigest()
    # the scan sees the events' other values, and the hash of the address
    assert all(hits(warehouse, [seen]) for seen in ("/invite", "11-50", hashed_email))
    # only the raw text of a quarantined line may still hold personal data
    assert (
        hits(warehouse, list(PERSONAL_VALUES.values()), skip=("audit.quarantine.raw_line",)) == []
    )


def test_one_address_one_hash_across_events(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select json_extract_string(traits, '$.Email'),"
            " json_extract_string(properties, '$.email')"
            " from raw.events where event_id in ('pd-1', 'pd-2') order by event_id"
        ).fetchall()
    finally:
        con.close()
    expected = hashlib.sha256((SALT + "ann.lee@example.com").encode()).hexdigest()
    assert rows == [(expected, None), (None, expected)]
