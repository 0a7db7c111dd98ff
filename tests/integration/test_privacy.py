"""Consent and `usage-analytics forget`, end to end on hand-built events (CONTRACT §1, §2).

One warehouse goes through four stages, each kept as a copy of the file for the tests:
`run` on a folder, `forget --user-id` of one user, `run` again on the same folder, and `run`
after a new file that still holds the forgotten user.
"""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import hits, query, run_cli, table_counts, write_events

pytestmark = pytest.mark.integration

SALT = "privacy-test-salt"
ENV = {"USAGE_ANALYTICS_PII_SALT": SALT}

FORGET_USER = "user-forget-me-1"
FORGET_ANONYMOUS = "anon-forget-me-1"
FORGET_ANONYMOUS_NEW = "anon-forget-me-3"  # first seen in the file that lands after forget
FORGET_EMAIL = "Forget.Me@Example.com"
FORGET_IP = "203.0.113.77"
KEEP_USER = "user-keep-2"
KEEP_ANONYMOUS = "anon-keep-2"
KEEP_EMAIL = "keep@example.com"
KEEP_IP = "198.51.100.22"
FORGET_AMOUNT = 100.0  # what each user pays (USD, monthly)
KEEP_AMOUNT = 20.0
CONSENT_USER = "user-consent-3"
NO_CONSENT_USER = "user-no-consent-4"  # every event refused analytics
NO_CONSENT_EVENT_IDS = ("no-consent-1", "no-consent-2", "no-consent-3")


def salted_sha256(value: str) -> str:
    return hashlib.sha256((SALT + value).encode()).hexdigest()


def track(event_id: str, name: str, minute: int, **fields: object) -> dict[str, object]:
    return {
        "event_id": event_id,
        "type": "track",
        "event": name,
        "timestamp": f"2026-01-05T10:{minute:02d}:00Z",
        "received_at": f"2026-01-05T10:{minute:02d}:05Z",
        **fields,
    }


def user_events(
    prefix: str, user: str, anonymous: str, email: str, ip: str, amount: float
) -> list[dict]:
    """An anonymous page view, then the signup that ties the anonymous id, then activity and
    a payment of ``amount``."""
    return [
        {
            "event_id": f"{prefix}-1",
            "type": "page",
            "anonymous_id": anonymous,
            "timestamp": "2026-01-05T10:00:00Z",
            "received_at": "2026-01-05T10:00:05Z",
            "context": {"ip": ip, "page": {"path": "/pricing"}},
        },
        track(
            f"{prefix}-2",
            "Signed Up",
            5,
            user_id=user,
            anonymous_id=anonymous,
            traits={"email": email},
            context={"ip": ip, "traits": {"email": email}},
        ),
        track(f"{prefix}-3", "Project Created", 10, user_id=user, context={"ip": ip}),
        # a subscription payment (the billing system's, server side): revenue and MRR
        track(
            f"{prefix}-5",
            "Payment Succeeded",
            15,
            user_id=user,
            properties={"amount": amount, "currency": "USD", "interval": "month"},
        ),
        # exposed to an experiment (onboarding_checklist_v2 runs from 2026-01-12)
        track(
            f"{prefix}-4",
            "Experiment Viewed",
            0,
            user_id=user,
            properties={"experiment_id": "onboarding_checklist_v2", "variation_id": "control"},
        )
        | {"timestamp": "2026-01-12T10:00:00Z", "received_at": "2026-01-12T10:00:05Z"},
    ]


def first_file_lines() -> list[str]:
    consent_events = [
        track("consent-1", "Project Created", 1, user_id=CONSENT_USER),
        track(
            "consent-2",
            "Report Created",
            2,
            user_id=CONSENT_USER,
            context={"consent": {"analytics": True}},
        ),
        # a string is not a refusal: only JSON false is
        track(
            "consent-3",
            "Report Created",
            3,
            user_id=CONSENT_USER,
            context={"consent": {"analytics": "false"}},
        ),
        track(
            "no-consent-1",
            "Report Created",
            4,
            user_id=CONSENT_USER,
            context={"consent": {"analytics": False}},
        ),
        track(
            "no-consent-2",
            "Signed Up",
            5,
            user_id=NO_CONSENT_USER,
            context={"consent": {"categoryPreferences": {"Analytics": False}}},
        ),
        track(
            "no-consent-3",
            "Project Created",
            6,
            user_id=NO_CONSENT_USER,
            context={"consent": {"analytics": False, "advertising": True}},
        ),
        # a re-sent copy of a refused event: also loaded, also not modelled
        track(
            "no-consent-3",
            "Project Created",
            6,
            user_id=NO_CONSENT_USER,
            context={"consent": {"analytics": False, "advertising": True}},
        ),
    ]
    bad_lines = [
        # the forgotten user's lines that landing quarantines, personal data in clear
        json.dumps(
            track(
                "bad-1", "Project Created", 20, user_id=FORGET_USER, traits={"email": FORGET_EMAIL}
            )
            | {"timestamp": "not a time"}
        ),
        # no id at all: recognized by the salted hash of its email
        json.dumps(
            {
                "event_id": "bad-2",
                "event": "Project Created",
                "timestamp": "2026-01-05T10:21:00Z",
                "context": {"ip": FORGET_IP},
                "traits": {"email": FORGET_EMAIL.lower()},
            }
        ),
        '{"event_id": "bad-3", "user_id": "' + FORGET_USER + '", "event": ',
        # the kept user's quarantined line stays as it is
        json.dumps(
            track("bad-4", "Project Created", 22, user_id=KEEP_USER, traits={"email": KEEP_EMAIL})
            | {"timestamp": "not a time"}
        ),
    ]
    events = (
        user_events("forget", FORGET_USER, FORGET_ANONYMOUS, FORGET_EMAIL, FORGET_IP, FORGET_AMOUNT)
        + user_events("keep", KEEP_USER, KEEP_ANONYMOUS, KEEP_EMAIL, KEEP_IP, KEEP_AMOUNT)
        + consent_events
    )
    return [json.dumps(event) for event in events] + bad_lines


def later_file_events() -> list[dict]:
    """A file landed after forget, still holding the forgotten user."""
    return [
        track(
            "later-1",
            "Report Created",
            30,
            user_id=FORGET_USER,
            anonymous_id=FORGET_ANONYMOUS_NEW,
            context={"ip": FORGET_IP},
        ),
        {
            "event_id": "later-2",
            "type": "page",
            "anonymous_id": FORGET_ANONYMOUS_NEW,
            "timestamp": "2026-01-05T10:31:00Z",
            "received_at": "2026-01-05T10:31:05Z",
        },
        {
            "event_id": "later-3",
            "type": "page",
            "anonymous_id": FORGET_ANONYMOUS,
            "timestamp": "2026-01-05T10:32:00Z",
            "received_at": "2026-01-05T10:32:05Z",
        },
        # quarantinable for another reason, but forgotten first: no text kept
        track("later-4", "Report Created", 33, user_id=FORGET_USER, traits={"email": FORGET_EMAIL})
        | {"timestamp": "not a time"},
        track("later-5", "Report Created", 34, user_id=KEEP_USER),
    ]


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Runs the four stages once; returns the CLI results and a warehouse copy per stage."""
    work = tmp_path_factory.mktemp("privacy")
    events, warehouse = work / "events", work / "warehouse.duckdb"
    events.mkdir()
    (events / "day1.ndjson").write_text("\n".join(first_file_lines()) + "\n", encoding="utf-8")
    results: dict[str, object] = {"events": events}

    def stage(name: str, *args: str) -> None:
        result = run_cli(*args, env=ENV)
        results[name] = result
        copy = work / f"{name}.duckdb"
        shutil.copyfile(warehouse, copy)
        results[f"{name}_warehouse"] = copy
        serving = work / f"{name}.serving-copy.duckdb"  # what BI tools read after the stage
        shutil.copyfile(work / "warehouse.serving.duckdb", serving)
        results[f"{name}_serving"] = serving

    common = ("--warehouse", str(warehouse))
    stage("run", "run", "--events", str(events), *common)
    stage("forget", "forget", "--user-id", FORGET_USER, *common)
    stage("rerun", "run", "--events", str(events), *common)
    write_events(events / "later" / "day2.ndjson", later_file_events())
    stage("later", "run", "--events", str(events), *common)
    results["warehouse"] = warehouse
    return results


def ok(result: object) -> None:
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def forgotten_values(*, hashed_ids: bool) -> list[str]:
    """The forgotten user's ids, email and IP, in clear and as landing hashes them."""
    clear = [FORGET_USER, FORGET_ANONYMOUS, FORGET_EMAIL, FORGET_EMAIL.lower(), FORGET_IP]
    hashed = [salted_sha256(FORGET_EMAIL.lower()), salted_sha256(FORGET_IP)]
    if hashed_ids:
        hashed += [salted_sha256(FORGET_USER), salted_sha256(FORGET_ANONYMOUS)]
    return clear + hashed


MODELLED_SCHEMAS = ("staging", "intermediate", "marts_candidate", "marts")
FORGET_TABLES = ("audit.forget_requests", "audit.forgotten_identities")


def reconciliation(warehouse: Path) -> list[tuple]:
    return query(
        warehouse,
        "select file_path, count_lines, count_loaded, count_duplicates, count_quarantined,"
        " count_modelled, count_without_consent, count_forgotten, is_reconciled"
        " from audit.load_reconciliation order by file_path",
    )


# --- consent ------------------------------------------------------------------------------


def test_refused_events_are_landed_and_flagged(stages: dict[str, object]) -> None:
    ok(stages["run"])
    rows = query(
        stages["run_warehouse"],
        "select event_id, has_analytics_consent from raw.events"
        " where user_id in (?, ?) order by event_id, line_number",
        [CONSENT_USER, NO_CONSENT_USER],
    )
    assert rows == [
        ("consent-1", True),
        ("consent-2", True),
        ("consent-3", True),
        ("no-consent-1", False),
        ("no-consent-2", False),
        ("no-consent-3", False),
        ("no-consent-3", False),
    ]


def test_refused_events_are_in_no_modelled_layer(stages: dict[str, object]) -> None:
    warehouse = stages["run_warehouse"]
    found = [
        hit
        for hit in hits(warehouse, [*NO_CONSENT_EVENT_IDS, NO_CONSENT_USER])
        if hit.split(".")[0] in MODELLED_SCHEMAS
    ]
    assert found == []
    consented = query(
        warehouse,
        "select event_id from marts.fct_events where user_id = ? order by 1",
        [CONSENT_USER],
    )
    assert consented == [("consent-1",), ("consent-2",), ("consent-3",)]


def test_refused_events_are_counted_and_files_reconcile(stages: dict[str, object]) -> None:
    # 16 events + 1 re-sent copy + 4 bad lines; 4 copies refused consent (the copy included)
    assert reconciliation(stages["run_warehouse"]) == [
        ("day1.ndjson", 21, 17, 0, 4, 13, 4, 0, True)
    ]


# --- forget -------------------------------------------------------------------------------


def test_forget_prints_a_summary_without_the_clear_id(stages: dict[str, object]) -> None:
    result = stages["forget"]
    ok(result)
    assert "usage-analytics forget: OK" in result.stdout
    assert "5 event line(s) removed" in result.stdout
    assert "3 quarantined line(s) scrubbed" in result.stdout
    assert salted_sha256(FORGET_USER)[:16] in result.stdout
    assert FORGET_USER not in result.stdout + result.stderr
    assert "landing     skipped" in result.stdout
    assert "compacted" in result.stdout


def test_before_forget_the_user_is_everywhere(stages: dict[str, object]) -> None:
    # the scan below would see the user: it is not vacuous
    found = hits(stages["run_warehouse"], forgotten_values(hashed_ids=False))
    assert any(hit.startswith("marts.") for hit in found)
    assert any(hit.startswith("marts.fct_experiment_exposures.") for hit in found)
    assert any(hit.startswith("audit.quarantine.raw_line") for hit in found)
    assert FORGET_USER.encode() in Path(stages["run_warehouse"]).read_bytes()


@pytest.mark.parametrize("stage", ["forget", "rerun", "later"])
def test_no_trace_of_the_forgotten_user_in_any_table(stages: dict[str, object], stage: str) -> None:
    warehouse = stages[f"{stage}_warehouse"]
    assert hits(warehouse, forgotten_values(hashed_ids=False) + [FORGET_ANONYMOUS_NEW]) == []
    # the hashed ids are kept only where forget records them
    hashed_ids = [salted_sha256(FORGET_USER), salted_sha256(FORGET_ANONYMOUS)]
    assert hits(warehouse, hashed_ids, skip=FORGET_TABLES) == []


@pytest.mark.parametrize("stage", ["forget", "rerun"])
def test_no_bytes_of_the_forgotten_user_left_in_the_file(
    stages: dict[str, object], stage: str
) -> None:
    # deleted rows can survive in a DuckDB file's free blocks: forget rewrites the file
    data = Path(stages[f"{stage}_warehouse"]).read_bytes()
    for value in (FORGET_USER, FORGET_ANONYMOUS, FORGET_EMAIL, FORGET_EMAIL.lower(), FORGET_IP):
        assert value.encode() not in data, value


def test_forget_request_is_recorded_hashed(stages: dict[str, object]) -> None:
    rows = query(
        stages["forget_warehouse"],
        "select user_id_hash, count_anonymous_ids, count_events_removed,"
        " count_quarantine_scrubbed, count_identities_removed from audit.forget_requests",
    )
    assert rows == [(salted_sha256(FORGET_USER), 1, 5, 3, 2)]
    identities = query(
        stages["forget_warehouse"],
        "select identity_kind, identity_hash from audit.forgotten_identities order by 1",
    )
    assert identities == [
        ("anonymous_id", salted_sha256(FORGET_ANONYMOUS)),
        ("user_id", salted_sha256(FORGET_USER)),
    ]


def test_quarantine_keeps_the_rows_without_their_text(stages: dict[str, object]) -> None:
    rows = query(
        stages["forget_warehouse"],
        "select line_number, reason, raw_line is null, scrubbed_at is not null,"
        " removed_from_raw_at is not null from audit.quarantine order by line_number",
    )
    assert rows == [
        (1, "forgotten_user", True, False, True),
        (2, "forgotten_user", True, False, True),
        (3, "forgotten_user", True, False, True),
        (4, "forgotten_user", True, False, True),  # the experiment exposure
        (5, "forgotten_user", True, False, True),  # the payment
        (18, "invalid_timestamp", True, True, False),
        (19, "missing_user", True, True, False),
        (20, "invalid_json", True, True, False),
        (21, "invalid_timestamp", False, False, False),  # the kept user's line
    ]


def test_other_users_are_untouched(stages: dict[str, object]) -> None:
    def keep_rows(warehouse: Path) -> dict[str, list[tuple]]:
        return {
            "raw": query(
                warehouse,
                "select event_id, traits, context from raw.events"
                " where user_id = ? or anonymous_id = ? order by 1",
                [KEEP_USER, KEEP_ANONYMOUS],
            ),
            "events": query(
                warehouse,
                "select event_id, user_key, session_id from marts.fct_events"
                " where user_key = ? order by 1",
                [KEEP_USER],
            ),
            "user": query(
                warehouse,
                "select user_key, signed_up_at, count_events from marts.dim_users"
                " where user_key = ?",
                [KEEP_USER],
            ),
            "quarantine": query(
                warehouse,
                "select raw_line from audit.quarantine where contains(raw_line, ?)",
                [KEEP_USER],
            ),
        }

    before, after = keep_rows(stages["run_warehouse"]), keep_rows(stages["forget_warehouse"])
    assert before == after
    assert len(after["events"]) == 5 and len(after["quarantine"]) == 1


def test_marts_are_rebuilt_without_the_user(stages: dict[str, object]) -> None:
    def counts(warehouse: Path) -> tuple:
        return query(
            warehouse,
            "select (select count(*) from marts.fct_events),"
            " (select count(*) from marts.dim_users),"
            " (select count(*) from marts.fct_sessions)",
        )[0]

    (events_before, users_before, sessions_before) = counts(stages["run_warehouse"])
    (events_after, users_after, sessions_after) = counts(stages["forget_warehouse"])
    assert (events_after, users_after, sessions_after) == (
        events_before - 5,
        users_before - 1,
        sessions_before - 2,  # the exposure a week later is a session of its own
    )


def test_files_still_reconcile_after_forget(stages: dict[str, object]) -> None:
    # the 5 removed lines moved from loaded to quarantined (forgotten_user)
    assert reconciliation(stages["forget_warehouse"]) == [
        ("day1.ndjson", 21, 12, 0, 9, 8, 4, 5, True)
    ]


REVENUE_MARTS = (
    "select (select sum(revenue) from marts.agg_revenue_daily),"
    " (select sum(count_orders) from marts.agg_revenue_daily),"
    " (select sum(revenue) from marts.agg_revenue_daily_by_segment"
    "   where segment_name = 'acquisition_channel'),"
    " (select sum(closing_mrr) from marts.agg_mrr_movements),"
    " (select sum(count_new_customers) from marts.agg_mrr_movements),"
    " (select sum(lifetime_revenue) from marts.dim_users),"
    " (select sum(current_mrr) from marts.dim_users),"
    " (select sum(count_events) from marts.agg_event_trends"
    "   where event_name = 'payment_succeeded'),"
    " (select sum(count_users) from marts.agg_event_trends_by_segment"
    "   where event_name = 'payment_succeeded' and segment_name = 'current_plan')"
)


@pytest.mark.parametrize("copy", ["warehouse", "serving"])
def test_forget_removes_the_users_revenue_from_every_mart(
    stages: dict[str, object], copy: str
) -> None:
    """The aggregates hold no user key to scan for: the forgotten user's payment must be gone
    from their sums (daily revenue and its segments, MRR, users, event trends)."""
    both = FORGET_AMOUNT + KEEP_AMOUNT
    assert query(stages[f"run_{copy}"], REVENUE_MARTS) == [
        (both, 2, both, both, 2, both, both, 2, 2)
    ]
    kept = KEEP_AMOUNT
    assert query(stages[f"forget_{copy}"], REVENUE_MARTS) == [
        (kept, 1, kept, kept, 1, kept, kept, 1, 1)
    ]


def test_running_the_same_folder_again_brings_nothing_back(stages: dict[str, object]) -> None:
    ok(stages["rerun"])
    assert "0 new file(s), 1 already landed" in stages["rerun"].stdout
    assert table_counts(stages["rerun_warehouse"]) == table_counts(stages["forget_warehouse"])


def test_a_new_file_with_the_forgotten_user_lands_without_them(
    stages: dict[str, object],
) -> None:
    ok(stages["later"])
    warehouse = stages["later_warehouse"]
    quarantined = query(
        warehouse,
        "select line_number, reason, raw_line from audit.quarantine"
        " where file_path = 'later/day2.ndjson' order by 1",
    )
    assert quarantined == [
        (1, "forgotten_user", None),
        (2, "forgotten_user", None),  # anonymous id tied to the user in the same file
        (3, "forgotten_user", None),  # anonymous id forgotten with the user
        (4, "forgotten_user", None),
    ]
    assert query(
        warehouse, "select event_id from marts.fct_events where event_id like 'later-%'"
    ) == [("later-5",)]
    assert (
        query(
            warehouse,
            "select count(*) from audit.forgotten_identities where identity_hash = ?",
            [salted_sha256(FORGET_ANONYMOUS_NEW)],
        )[0][0]
        == 1
    )
    assert all(row[-1] for row in reconciliation(warehouse))


# --- command line -------------------------------------------------------------------------


def test_unknown_user_is_a_clear_message_and_exit_code_2(
    stages: dict[str, object], tmp_path: Path
) -> None:
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(stages["later_warehouse"], warehouse)
    result = run_cli("forget", "--user-id", "nobody-here", "--warehouse", str(warehouse), env=ENV)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nothing to forget" in result.stderr
    # recorded all the same, so that a later file cannot land the id
    (count,) = query(
        warehouse,
        "select count(*) from audit.forget_requests where user_id_hash = ?",
        [salted_sha256("nobody-here")],
    )[0]
    assert count == 1


def test_forget_without_a_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("forget", "--user-id", "u", "--warehouse", str(tmp_path / "none.duckdb"))
    assert result.returncode == 2
    assert "no warehouse at" in result.stderr
    assert not (tmp_path / "none.duckdb").exists()


# --- the serving copy BI tools read ---------------------------------------------------------


def test_forget_removes_the_user_from_the_serving_copy(stages: dict[str, object]) -> None:
    before, after = stages["run_serving"], stages["forget_serving"]
    assert any(hit.startswith("marts.") for hit in hits(before, forgotten_values(hashed_ids=True)))
    assert hits(after, forgotten_values(hashed_ids=True)) == []
    assert FORGET_USER.encode() not in Path(after).read_bytes()
    # it is the rebuild's publication, with the other users still in it
    assert query(after, "select publication_id from audit.publication") == query(
        stages["forget_warehouse"],
        "select publication_id from audit.publications order by published_at desc limit 1",
    )
    assert query(after, "select count(*) from marts.dim_users where user_id = ?", [KEEP_USER]) == [
        (1,)
    ]
