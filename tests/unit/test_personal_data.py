"""Unit tests of the hashing of personal keys and email addresses at landing (CONTRACT §1): in
`properties`, `traits` and `context.traits` at any depth, keys matched after normalization,
the defaults extended by a seed, email-shaped values hashed whatever their key."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import _parser
from orchestration.commands.build import run
from tests.unit.landing_helpers import (
    event,
    events,
    land,
    quarantine,
    reasons,
    salted_sha256,
    write_lines,
)
from usage_analytics import paths
from usage_analytics.landing.rules import (
    DEFAULT_PERSONAL_KEYS,
    create_landing_macros,
    personal_key_pattern,
    read_personal_keys,
)


def land_one(tmp_path: Path, line: dict | str, **kwargs: object) -> dict:
    """Lands one line; returns its raw.events row with the JSON columns parsed."""
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [line])
    con, _ = land(tmp_path, folder, **kwargs)
    (row,) = events(con)
    return {
        column: json.loads(row[column]) if row[column] is not None else None
        for column in ("properties", "traits", "context")
    }


@pytest.mark.parametrize(
    "key",
    [
        "email",
        "Email",
        "$email",
        "EMAIL",
        "firstName",
        "first_name",
        "First Name",
        "$first_name",
        "LastName",
        "phone_number",
        "phoneNumber",
        "mobile",
        "ip_address",
        "postalCode",
        "street",
        "name",
    ],
)
def test_personal_keys_are_hashed_in_any_spelling(tmp_path: Path, key: str) -> None:
    value = "Value 7"
    row = land_one(
        tmp_path,
        event(
            properties={key: value, "plan": "pro"},
            traits={key: value, "company_name": "Acme"},
            context={"traits": {key: value}, "app": {"name": "Acme App"}},
        ),
    )
    hashed = salted_sha256(value.lower().strip() if key.strip("$").lower() == "email" else value)
    assert row["properties"] == {key: hashed, "plan": "pro"}
    assert row["traits"] == {key: hashed, "company_name": "Acme"}
    assert row["context"] == {"traits": {key: hashed}, "app": {"name": "Acme App"}}


def test_personal_keys_are_hashed_at_any_depth(tmp_path: Path) -> None:
    row = land_one(
        tmp_path,
        event(
            properties={
                "billing": {"email": "Pay@Example.com", "plan": "pro"},
                "items": [{"sku": "A-1", "phone": 5551234}, {"sku": "B-2", "phone": None}],
                "address": {"street": "1 Main St", "city": "Berlin", "geo": [52.5, 13.4]},
            },
            context={
                "traits": {"contact": {"mobile": "+49 30 1234"}},
                "library": {"name": "analytics.js"},
                "device": {"name": "Pixel 8"},
            },
        ),
    )
    assert row["properties"] == {
        "billing": {"email": salted_sha256("pay@example.com"), "plan": "pro"},
        "items": [
            {"sku": "A-1", "phone": salted_sha256("5551234")},
            {"sku": "B-2", "phone": None},
        ],
        # every value under a personal key is hashed, nested ones included
        "address": {
            "street": salted_sha256("1 Main St"),
            "city": salted_sha256("Berlin"),
            "geo": [salted_sha256("52.5"), salted_sha256("13.4")],
        },
    }
    # outside context.traits, context keys are not personal keys (context.ip aside)
    assert row["context"] == {
        "traits": {"contact": {"mobile": salted_sha256("+49 30 1234")}},
        "library": {"name": "analytics.js"},
        "device": {"name": "Pixel 8"},
    }


def test_email_addresses_are_hashed_whatever_their_key(tmp_path: Path) -> None:
    url = "https://app.example.com/invite?to=Bob@Example.org"
    row = land_one(
        tmp_path,
        event(
            properties={
                "invitee": "  Bob@Example.org ",
                "cc": ["carol@example.net", "not an address"],
                "note": "write to dave@example.com soon",
                "price": "5@3.99",
                "handle": "@alice",
            },
            context={"page": {"url": url, "path": "/invite"}},
            traits={"nested": {"deeper": {"work": "eve@example.co.uk"}}},
        ),
    )
    assert row["properties"] == {
        # an address as a whole: lower-cased and trimmed, one address one hash
        "invitee": salted_sha256("bob@example.org"),
        "cc": [salted_sha256("carol@example.net"), "not an address"],
        # a text holding an address: hashed whole, as sent
        "note": salted_sha256("write to dave@example.com soon"),
        "price": "5@3.99",
        "handle": "@alice",
    }
    assert row["context"] == {"page": {"url": salted_sha256(url), "path": "/invite"}}
    assert row["traits"] == {"nested": {"deeper": {"work": salted_sha256("eve@example.co.uk")}}}


def test_one_address_one_hash_across_keys_and_events(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    plan = tmp_path / "tracking_plan.csv"
    plan.write_text(
        "event_name,category,counts_as_active,contains_pii,description\n"
        "signed_up,acquisition,true,true,Signed up.\n"
    )
    write_lines(
        folder,
        "a.jsonl",
        [
            event(event_id="1", traits={"Email": " ALICE@example.com"}),
            event(event_id="2", properties={"contact": "alice@EXAMPLE.com"}),
            event(event_id="3", event="Signed Up", properties={"email": "Alice@Example.com "}),
        ],
    )
    con, _ = land(tmp_path, folder, tracking_plan_csv=plan)
    first, second, third = events(con)
    expected = salted_sha256("alice@example.com")
    assert json.loads(first["traits"]) == {"Email": expected}
    assert json.loads(second["properties"]) == {"contact": expected}
    assert json.loads(third["properties"]) == {"email": expected}


def test_keys_and_addresses_written_with_json_escapes_are_found(tmp_path: Path) -> None:
    line = (
        '{"event_id": "e-1", "event": "X", "user_id": "u", "timestamp": "2024-05-01T10:00:00Z",'
        ' "properties": {"\\u0065mail": "x", "to": "bob\\u0040example.org", "": "c@d.io"}}'
    )
    row = land_one(tmp_path, line)
    assert row["properties"] == {
        "email": salted_sha256("x"),
        "to": salted_sha256("bob@example.org"),
        "": salted_sha256("c@d.io"),
    }


def test_the_seed_adds_personal_keys(tmp_path: Path) -> None:
    seed = tmp_path / "personal_keys.csv"
    seed.write_text("key_name,description\nfavoriteColor,A question of the signup form.\n")
    row = land_one(
        tmp_path,
        event(properties={"favorite_color": "teal", "email": "x"}, traits={"$FavoriteColor": 1}),
        personal_keys_csv=seed,
    )
    assert row["properties"] == {
        "favorite_color": salted_sha256("teal"),
        "email": salted_sha256("x"),
    }
    assert row["traits"] == {"$FavoriteColor": salted_sha256("1")}


def test_a_seed_row_that_is_no_key_is_refused(tmp_path: Path) -> None:
    seed = tmp_path / "personal_keys.csv"
    seed.write_text("key_name,description\nemail_2,ok\n$--,a typo\n")
    with pytest.raises(
        ValueError, match=r"personal_keys\.csv, line 3: key_name '\$--' has no letter"
    ):
        land_one(tmp_path, event(), personal_keys_csv=seed)
    seed.write_text("key,description\nemail_2,ok\n")
    with pytest.raises(ValueError, match=r"personal_keys\.csv: not a seed of personal keys"):
        read_personal_keys(seed)


def test_run_refuses_a_bad_seed_row_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(paths.SEEDS_DIR, seeds)  # every other seed as shipped
    (seeds / "personal_keys.csv").write_text("key_name,description\n,empty\n")
    monkeypatch.setattr(paths, "SEEDS_DIR", seeds)
    (tmp_path / "events").mkdir()
    warehouse = tmp_path / "warehouse.duckdb"
    args = ["run", "--events", str(tmp_path / "events"), "--warehouse", str(warehouse)]
    assert run(_parser().parse_args(args)) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"usage-analytics run: {seeds / 'personal_keys.csv'}, line 2: key_name is empty"
    assert not warehouse.exists()


def test_a_repeated_personal_key_is_quarantined_as_ambiguous(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(
        folder,
        "a.jsonl",
        [
            '{"event_id": "e-1", "event": "X", "user_id": "u", "timestamp": "2024-05-01T10:00:00Z",'
            ' "properties": {"x": {"email": "a@b.io"}, "x": {"email": "c@d.io"}}}',
            '{"event_id": "e-2", "event": "X", "user_id": "u", "timestamp": "2024-05-01T10:00:00Z",'
            ' "traits": {"x": {"plan": 1}, "x": {"phone": "555 0100"}}}',
            # a repeated key without personal data lands as it is
            '{"event_id": "e-3", "event": "X", "user_id": "u", "timestamp": "2024-05-01T10:00:00Z",'
            ' "properties": {"x": {"a": 1}, "x": {"a": 2}}}',
            event(event_id="e-4", properties={"x": {"x": 1}, "y": {"x": 1}}),
        ],
    )
    con, _ = land(tmp_path, folder)
    assert reasons(con) == ["duplicate_key", "duplicate_key"]
    assert "c@d.io" in quarantine(con)[0]["raw_line"]  # only quarantined text holds it
    assert "555 0100" in quarantine(con)[1]["raw_line"]
    assert [row["event_id"] for row in events(con)] == ["e-3", "e-4"]


def test_the_key_pattern_finds_every_spelling_of_a_default_key() -> None:
    """The pre-filter (RE2, in DuckDB) must match every key that normalizes to a personal key,
    in the JSON text DuckDB writes (escapes of control characters included)."""
    pattern = personal_key_pattern(list(DEFAULT_PERSONAL_KEYS))
    documents = []
    for key in DEFAULT_PERSONAL_KEYS:
        camel = "".join(part.capitalize() if n else part for n, part in enumerate(key.split("_")))
        for spelling in (key, key.upper(), camel, "$" + key, key.replace("_", " ")):
            documents.append(json.dumps({"plan": 1, spelling: 1}))
    documents += [
        json.dumps({"first\u00a0name": 1}),  # a separator of another script
        json.dumps({"first\u0001name": 1}),  # a control character, escaped
        json.dumps({'first"name': 1}),  # a quote, escaped
    ]
    con = duckdb.connect()
    create_landing_macros(con)
    rows = con.execute(
        """
        select
            document::varchar as text,
            regexp_matches(document::varchar, $pattern) as is_candidate,
            list_bool_or(list_transform(
                json_keys(document), lambda key: normalize_event_name(key) in $keys
            )) as has_personal_key
        from (select json(unnest($documents::varchar[])) as document)
        """,
        {"pattern": pattern, "keys": list(DEFAULT_PERSONAL_KEYS), "documents": documents},
    ).fetchall()
    assert all(has_personal_key for _, _, has_personal_key in rows)
    assert [text for text, is_candidate, _ in rows if not is_candidate] == []
    ((plain,),) = con.execute(
        "select regexp_matches($text, $pattern)",
        {"text": '{"plan":"name","company":"Acme","named":1}', "pattern": pattern},
    ).fetchall()
    assert not plain
