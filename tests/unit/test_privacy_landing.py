"""Unit tests of consent flags, schema migration and forgotten users at landing, and of the
``forget`` command's arguments (the end-to-end behaviour is in tests/integration/test_privacy)."""

from pathlib import Path

import pytest

from orchestration.cli import _parser
from orchestration.commands.remove import forget
from tests.unit.landing_helpers import (
    SALT,
    connect,
    event,
    events,
    land,
    quarantine,
    rows,
    salted_sha256,
    write_lines,
)
from usage_analytics.privacy.forget import compact_warehouse, forget_user
from usage_analytics.warehouse.schema import MIGRATIONS, ensure_schema


@pytest.mark.parametrize(
    ("context", "consent"),
    [
        (None, True),
        ({}, True),
        ({"consent": {"analytics": True}}, True),
        ({"consent": {"analytics": False}}, False),
        ({"consent": {"analytics": "false"}}, True),  # only JSON false refuses
        ({"consent": {"analytics": None}}, True),
        ({"consent": {"categoryPreferences": {"analytics": False}}}, False),
        ({"consent": {"categoryPreferences": {"Analytics": False}}}, False),
        ({"consent": {"categoryPreferences": {"Analytics": True, "Ads": False}}}, True),
    ],
    ids=repr,
)
def test_has_analytics_consent(tmp_path: Path, context: dict | None, consent: bool) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(**({"context": context} if context is not None else {}))])
    con, _ = land(tmp_path, folder)
    assert [row["has_analytics_consent"] for row in events(con)] == [consent]


def test_an_older_warehouse_gets_the_new_columns_backfilled(tmp_path: Path) -> None:
    con = connect(tmp_path)
    ensure_schema(con)
    for table, column, _, _ in MIGRATIONS:
        con.execute(f"alter table {table} drop column {column}")
    con.execute(
        "insert into raw.events select 'e-old', 'track', 'x', 'x', 'u', null, 1, null,"
        " timestamp '2024-01-01', timestamp '2024-01-01', null,"
        " '{\"consent\": {\"analytics\": false}}', null, 'l', 'f', 1, timestamp '2024-01-01'"
    )
    ensure_schema(con)
    assert rows(con, "select event_id, has_analytics_consent from raw.events") == [
        {"event_id": "e-old", "has_analytics_consent": False}
    ]
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="e-new")])
    land(tmp_path, folder, con=con)
    assert [row["event_id"] for row in events(con)] == ["e-new", "e-old"]


def test_forget_then_land_quarantines_the_user_without_text(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(
        folder,
        "a.jsonl",
        [
            event(event_id="a-1", user_id="gone", anonymous_id="device-1"),
            event(event_id="a-2", user_id=None, anonymous_id="device-1"),
            event(event_id="a-3", user_id="stays"),
        ],
    )
    con, _ = land(tmp_path, folder)
    result = forget_user(con, " gone ", pii_salt=SALT)
    assert result.found
    assert result.user_id_hash == salted_sha256("gone")
    assert (result.count_events_removed, result.count_anonymous_ids) == (2, 1)
    assert [row["event_id"] for row in events(con)] == ["a-3"]

    write_lines(
        folder,
        "b.jsonl",
        [
            event(event_id="b-1", user_id="gone", anonymous_id="device-2"),
            event(event_id="b-2", user_id=None, anonymous_id="device-2"),
            event(event_id="b-3", user_id=None, anonymous_id="device-1", timestamp="bad"),
            event(event_id="b-4", user_id="stays"),
        ],
    )
    _, landed = land(tmp_path, folder, con=con)
    assert landed.quarantined_by_reason == {"forgotten_user": 3}
    later = [row for row in quarantine(con) if row["file_path"] == "b.jsonl"]
    assert [(row["line_number"], row["reason"], row["raw_line"]) for row in later] == [
        (1, "forgotten_user", None),
        (2, "forgotten_user", None),
        (3, "forgotten_user", None),
    ]
    assert [row["event_id"] for row in events(con)] == ["a-3", "b-4"]
    assert {row["identity_value"] for row in rows(con, "select * from raw.identities")} == {"stays"}


def test_forgetting_an_unknown_user_finds_nothing_but_is_recorded(tmp_path: Path) -> None:
    con = connect(tmp_path)
    result = forget_user(con, "nobody", pii_salt=SALT)
    assert not result.found
    assert rows(con, "select user_id_hash from audit.forget_requests") == [
        {"user_id_hash": salted_sha256("nobody")}
    ]


def test_forget_needs_a_user_id() -> None:
    with pytest.raises(SystemExit) as raised:
        _parser().parse_args(["forget"])
    assert raised.value.code == 2
    args = _parser().parse_args(["forget", "--user-id", "u-1", "--warehouse", "w.duckdb"])
    assert (args.handler, args.user_id, args.warehouse, args.vars) == (
        forget,
        "u-1",
        Path("w.duckdb"),
        "",
    )


def test_forget_rejects_a_blank_user_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert forget(_parser().parse_args(["forget", "--user-id", "  "])) == 2
    assert "--user-id is empty" in capsys.readouterr().err


def test_compacting_drops_deleted_bytes_and_keeps_views(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(
        folder,
        "a.jsonl",
        [event(event_id=f"e-{n}", user_id="secret-user" if n % 2 else "other") for n in range(500)],
    )
    con, _ = land(tmp_path, folder)
    # a view that names its catalog, as dbt-duckdb writes them
    con.execute("create schema staging")
    con.execute(
        'create view staging.others as select * from "warehouse"."raw"."events"'
        " where user_id = 'other'"
    )
    forget_user(con, "secret-user", pii_salt=SALT)
    con.close()
    warehouse = tmp_path / "warehouse.duckdb"
    assert b"secret-user" in warehouse.read_bytes()
    compact_warehouse(warehouse)
    assert b"secret-user" not in warehouse.read_bytes()
    con = connect(tmp_path)
    assert con.execute("select count(*) from staging.others").fetchone() == (250,)
    assert con.execute("select count(*) from audit.quarantine").fetchone() == (250,)


def test_forget_scrubs_quarantined_lines_however_their_json_escapes_characters(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "landing"
    write_lines(
        folder,
        "a.jsonl",
        [
            event(event_id="a-1", user_id="zoë", traits={"email": "zoe@example.com"}),
            # quarantined (invalid_timestamp) but JSON: the user id written with \u escapes
            '{"event_id": "q-1", "event": "X", "user_id": "zo\\u00eb", "timestamp": "bad"}',
            # quarantined (missing_user): only the email, its "@" escaped
            '{"event_id": "q-2", "event": "X", "traits": {"email": "zoe\\u0040example.com"},'
            ' "timestamp": "2024-05-01T10:00:00Z"}',
            # not JSON: still matched on its raw text
            '{"event_id": "q-3", "user_id": "zoë", ',
            # another user's quarantined line stays
            '{"event_id": "q-4", "event": "X", "user_id": "j\\u00e9r\\u00f4me",'
            ' "timestamp": "bad"}',
        ],
    )
    con, _ = land(tmp_path, folder)
    assert [(row["line_number"], row["reason"]) for row in quarantine(con)] == [
        (2, "invalid_timestamp"),
        (3, "missing_user"),
        (4, "invalid_json"),
        (5, "invalid_timestamp"),
    ]
    result = forget_user(con, "zoë", pii_salt=SALT)
    assert result.count_quarantine_scrubbed == 3
    scrubbed = {row["line_number"]: row["raw_line"] is None for row in quarantine(con)}
    assert scrubbed == {1: True, 2: True, 3: True, 4: True, 5: False}
