"""Unit tests of landing as a whole (CONTRACT §1): idempotent by content hash, Segment aliases
and call types, personal data hashed before it is written, identity keys, one transaction."""

import datetime as dt
import gzip
import json
import os
from pathlib import Path

import duckdb
import pytest

from tests.unit.landing_helpers import (
    NOW,
    SALT,
    TABLES,
    connect,
    event,
    events,
    land,
    quarantine,
    reasons,
    rows,
    salted_sha256,
    table_counts,
    write_lines,
)
from usage_analytics.landing import land as land_module
from usage_analytics.landing.files import discover

# --- idempotence -----------------------------------------------------------------------------


def test_landing_twice_lands_nothing_the_second_time(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="1"), "bad"])
    write_lines(folder, "b/c.ndjson.gz", [event(event_id="2", anonymous_id="anon")])
    (folder / "broken.jsonl.gz").write_bytes(b"not gzip")
    con, first = land(tmp_path, folder)
    before = table_counts(con)
    assert before == {
        "raw.events": 2,
        "audit.quarantine": 2,
        "raw.load_manifest": 3,
        "raw.identities": 2,
    }

    con, second = land(tmp_path, folder, con=con, now=NOW + dt.timedelta(hours=1))
    assert table_counts(con) == before
    assert second.files_landed == second.files_unreadable == []
    assert sorted(second.files_skipped) == sorted(first.files_landed + first.files_unreadable)
    assert (second.count_lines, second.count_landed, second.count_quarantined) == (0, 0, 0)


def test_landing_twice_across_connections(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event()])
    con, _ = land(tmp_path, folder)
    before = table_counts(con)
    con.close()
    con, result = land(tmp_path, folder)
    assert table_counts(con) == before
    assert result.files_skipped == ["a.jsonl"]


def test_a_new_file_lands_alone(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "day1.jsonl", [event(event_id="1")])
    con, first = land(tmp_path, folder)
    write_lines(folder, "day2.jsonl", [event(event_id="2"), "{"])
    con, second = land(tmp_path, folder, con=con)

    assert second.files_landed == ["day2.jsonl"]
    assert second.files_skipped == ["day1.jsonl"]
    assert [(e["event_id"], e["load_id"]) for e in events(con)] == [
        ("1", first.load_id),
        ("2", second.load_id),
    ]
    assert [(q["file_path"], q["load_id"]) for q in quarantine(con)] == [
        ("day2.jsonl", second.load_id)
    ]
    manifest = rows(con, "select file_path, load_id from raw.load_manifest order by file_path")
    assert manifest == [
        {"file_path": "day1.jsonl", "load_id": first.load_id},
        {"file_path": "day2.jsonl", "load_id": second.load_id},
    ]
    assert first.load_id != second.load_id


def test_same_content_under_another_name_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    lines = [event(event_id="1"), event(event_id="2")]
    write_lines(folder, "a.jsonl", lines)
    write_lines(folder, "copy/a-again.jsonl", lines)  # same batch
    con, first = land(tmp_path, folder)
    assert first.files_landed == ["a.jsonl"]
    assert first.files_skipped == ["copy/a-again.jsonl"]
    write_lines(folder, "later/renamed.ndjson", lines)  # a later batch
    con, second = land(tmp_path, folder, con=con)
    assert second.files_landed == []
    assert "later/renamed.ndjson" in second.files_skipped
    assert table_counts(con)["raw.events"] == 2
    assert [r["file_path"] for r in rows(con, "select file_path from raw.load_manifest")] == [
        "a.jsonl"
    ]


def test_only_landing_suffixes_are_discovered(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    for name in ["a.jsonl", "b.ndjson", "c.jsonl.gz", "d.ndjson.gz", "e/F.JSONL"]:
        write_lines(folder, name, [event(event_id=name)])
    for name in ["notes.txt", "g.json", "h.jsonl.bak", "i.csv"]:
        write_lines(folder, name, [event(event_id=name)])
    con, result = land(tmp_path, folder)
    assert sorted(result.files_landed) == [
        "a.jsonl",
        "b.ndjson",
        "c.jsonl.gz",
        "d.ndjson.gz",
        "e/F.JSONL",
    ]
    assert [f.relative_path for f in discover(folder)] == sorted(result.files_landed)


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        land(tmp_path, tmp_path / "nowhere")


# --- Segment aliases and call types ----------------------------------------------------------

SNAKE = {
    "event_id": "m-1",
    "event": "Project Created",
    "user_id": "user-1",
    "anonymous_id": "anon-1",
    "timestamp": "2024-05-01T10:00:00+02:00",
    "received_at": "2024-05-01T08:00:05Z",
    "properties": {"plan": "pro"},
}
CAMEL = {
    "messageId": "m-1",
    "event": "Project Created",
    "userId": "user-1",
    "anonymousId": "anon-1",
    "originalTimestamp": "2024-05-01T10:00:00+02:00",
    "receivedAt": "2024-05-01T08:00:05Z",
    "properties": {"plan": "pro"},
}
SAME_COLUMNS = [
    "event_id",
    "event_type",
    "event_name",
    "event_name_original",
    "user_id",
    "anonymous_id",
    "user_id_key",
    "anonymous_id_key",
    "event_at",
    "received_at",
    "properties",
    "context",
    "traits",
    "load_id",
    "loaded_at",
    "line_number",
]


def test_camel_case_aliases_land_like_snake_case(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "snake.jsonl", [SNAKE])
    write_lines(folder, "camel.jsonl", [CAMEL])
    con, _ = land(tmp_path, folder)
    assert quarantine(con) == []
    camel, snake = events(con)
    assert {c: camel[c] for c in SAME_COLUMNS} == {c: snake[c] for c in SAME_COLUMNS}
    assert snake["event_at"] == dt.datetime(2024, 5, 1, 8, 0)
    assert snake["received_at"] == dt.datetime(2024, 5, 1, 8, 0, 5)
    assert (snake["user_id"], snake["anonymous_id"]) == ("user-1", "anon-1")


def test_snake_case_wins_over_alias(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    both = {**CAMEL, **SNAKE, "messageId": "other", "originalTimestamp": "2024-04-01T00:00:00Z"}
    write_lines(folder, "a.jsonl", [both])
    con, _ = land(tmp_path, folder)
    (row,) = events(con)
    assert (row["event_id"], row["event_at"]) == ("m-1", dt.datetime(2024, 5, 1, 8, 0))


@pytest.mark.parametrize(
    ("fields", "event_type", "event_name", "original"),
    [
        ({"type": "page"}, "page", "page_view", "page"),
        ({"type": "screen"}, "screen", "screen_view", "screen"),
        ({"type": "identify"}, "identify", "identify", "identify"),
        ({"type": "track"}, "track", "project_created", "Project Created"),
        ({}, "track", "project_created", "Project Created"),
        ({"type": "Page"}, "page", "page_view", "page"),
        ({"type": "page", "event": None}, "page", "page_view", "page"),
        ({"type": "screen", "event": "Home"}, "screen", "screen_view", "Home"),
    ],
    ids=str,
)
def test_call_types(
    tmp_path: Path, fields: dict, event_type: str, event_name: str, original: str
) -> None:
    folder = tmp_path / "landing"
    line = event(**fields)
    if fields.get("type") in ("page", "Page", "screen", "identify") and "event" not in fields:
        del line["event"]
    write_lines(folder, "a.jsonl", [line])
    con, _ = land(tmp_path, folder)
    assert quarantine(con) == []
    (row,) = events(con)
    assert (row["event_type"], row["event_name"], row["event_name_original"]) == (
        event_type,
        event_name,
        original,
    )


# --- personal data ---------------------------------------------------------------------------

EMAIL = "Alice.Smith@Example.COM"
IP = "203.0.113.42"
CONTEXT_EMAIL = "bob@example.org"
SECRET = "Sensitive-Value-7731"


def plan_csv(tmp_path: Path) -> Path:
    path = tmp_path / "tracking_plan.csv"
    path.write_text(
        "event_name,category,counts_as_active,contains_pii,description\n"
        "project_created,activation,true,false,A project was created.\n"
        'signed_up,acquisition,true,true,"The user signed up, with a form."\n'
        "page_view,engagement,true,false,A page was viewed.\n"
    )
    return path


def all_text(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every value of every column of every landing table, as text, except the quarantined raw
    line (the only place allowed to hold personal data in clear)."""
    texts = []
    for table in TABLES:
        schema, name = table.split(".")
        columns = [
            column
            for (column,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, name],
            ).fetchall()
            if (table, column) != ("audit.quarantine", "raw_line")
        ]
        for column in columns:
            texts += [
                value
                for (value,) in con.execute(
                    f"select cast({column} as varchar) from {table}"
                ).fetchall()
                if value is not None
            ]
    return texts


def pii_lines() -> list[dict | str]:
    return [
        event(
            event_id="1",
            type="identify",
            event=None,
            traits={"email": f"  {EMAIL} ", "name": "Alice"},
            context={"ip": IP, "traits": {"email": CONTEXT_EMAIL, "plan": "pro"}},
        ),
        event(
            event_id="2",
            event="Signed Up",
            properties={"email": "carol@example.net", "code": SECRET, "age": 41},
        ),
        event(event_id="3", properties={"email": "kept@example.net", "plan": "pro"}),
        event(
            event_id="4",
            type="page",
            event=None,
            properties={"path": "/pricing"},
            context={"page": {"path": "/pricing"}},
        ),
        # quarantined (missing_user): personal data may stay in its raw text
        json.dumps(event(event_id="5", user_id=None, traits={"email": "dave@example.com"})),
    ]


def land_pii(tmp_path: Path, salt: str = SALT) -> tuple[duckdb.DuckDBPyConnection, dict]:
    folder = tmp_path / "landing"
    write_lines(folder, "pii.jsonl", pii_lines())
    con, _ = land(tmp_path, folder, pii_salt=salt, tracking_plan_csv=plan_csv(tmp_path))
    by_id = {e["event_id"]: e for e in events(con)}
    return con, by_id


def test_pii_is_hashed_with_the_salt(tmp_path: Path) -> None:
    con, by_id = land_pii(tmp_path)
    assert reasons(con) == ["missing_user"]
    traits = json.loads(by_id["1"]["traits"])
    context = json.loads(by_id["1"]["context"])
    assert traits == {
        "email": salted_sha256(EMAIL.strip().lower()),
        "name": salted_sha256("Alice"),
    }
    assert context == {
        "ip": salted_sha256(IP),
        "traits": {"email": salted_sha256(CONTEXT_EMAIL), "plan": "pro"},
    }


def test_no_clear_pii_outside_quarantined_raw_lines(tmp_path: Path) -> None:
    con, _ = land_pii(tmp_path)
    texts = "\n".join(all_text(con)).lower()
    assert salted_sha256(IP) in texts  # the scan does see the hashed values
    for secret in [
        EMAIL.lower(),
        IP,
        CONTEXT_EMAIL,
        "carol@example.net",
        SECRET.lower(),
        "dave@example.com",
    ]:
        assert secret not in texts
    assert "dave@example.com" in quarantine(con)[0]["raw_line"]


def test_contains_pii_event_properties_are_hashed_others_kept(tmp_path: Path) -> None:
    _, by_id = land_pii(tmp_path)
    assert json.loads(by_id["2"]["properties"]) == {
        "email": salted_sha256("carol@example.net"),
        "code": salted_sha256(SECRET),
        "age": salted_sha256("41"),
    }
    # a personal key is hashed in any event (tests/unit/test_personal_data.py)
    assert json.loads(by_id["3"]["properties"]) == {
        "email": salted_sha256("kept@example.net"),
        "plan": "pro",
    }
    assert json.loads(by_id["4"]["properties"]) == {"path": "/pricing"}


def test_without_tracking_plan_no_property_is_hashed(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event="Signed Up", properties={"code": SECRET})])
    con, _ = land(tmp_path, folder)
    assert json.loads(events(con)[0]["properties"]) == {"code": SECRET}


@pytest.mark.parametrize(
    "spelling",
    ["alice@example.com", "ALICE@EXAMPLE.COM", "Alice@Example.com", "  alice@EXAMPLE.com  "],
)
def test_same_email_same_hash_regardless_of_case(tmp_path: Path, spelling: str) -> None:
    folder = tmp_path / "landing"
    write_lines(
        folder,
        "a.jsonl",
        [
            event(event_id="1", traits={"email": "alice@example.com"}),
            event(event_id="2", traits={"email": spelling}),
            event(event_id="3", context={"traits": {"email": spelling}}),
        ],
    )
    con, _ = land(tmp_path, folder)
    first, second, third = events(con)
    expected = salted_sha256("alice@example.com")
    assert json.loads(first["traits"])["email"] == expected
    assert json.loads(second["traits"])["email"] == expected
    assert json.loads(third["context"])["traits"]["email"] == expected


def test_a_different_salt_gives_a_different_hash(tmp_path: Path) -> None:
    _, with_salt = land_pii(tmp_path / "one", salt="salt-one")
    _, other_salt = land_pii(tmp_path / "two", salt="salt-two")
    for column in ("traits", "context", "properties"):
        assert with_salt["1"][column] is None or with_salt["1"][column] != other_salt["1"][column]
    assert with_salt["2"]["properties"] != other_salt["2"]["properties"]
    assert json.loads(other_salt["1"]["traits"])["email"] == salted_sha256(
        EMAIL.lower(), "salt-two"
    )


def test_salt_with_a_quote(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(context={"ip": IP})])
    con, _ = land(tmp_path, folder, pii_salt="it's")
    assert json.loads(events(con)[0]["context"])["ip"] == salted_sha256(IP, "it's")


# --- identities ------------------------------------------------------------------------------


def test_identities_get_compact_integer_keys_stable_across_landings(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(
        folder,
        "day1.jsonl",
        [
            event(event_id="1", user_id="u-b", anonymous_id="a-1"),
            event(event_id="2", user_id="u-a"),
            event(event_id="3", user_id="u-a", anonymous_id="a-1"),
            event(event_id="4", user_id=None, anonymous_id="a-2"),
        ],
    )
    con, _ = land(tmp_path, folder)
    keys = dict(con.execute("select identity_value, identity_key from raw.identities").fetchall())
    assert sorted(keys) == ["a-1", "a-2", "u-a", "u-b"]
    assert sorted(keys.values()) == [1, 2, 3, 4]

    write_lines(
        folder,
        "day2.jsonl",
        [
            event(event_id="5", user_id="u-a", anonymous_id="a-3"),
            event(event_id="6", user_id="u-c"),
            event(event_id="7", user_id=None, anonymous_id="a-2"),
            # quarantined lines get no identity
            event(event_id="8", user_id="u-quarantined", timestamp="garbage"),
        ],
    )
    con, _ = land(tmp_path, folder, con=con)
    later = dict(con.execute("select identity_value, identity_key from raw.identities").fetchall())
    assert {value: later[value] for value in keys} == keys
    assert sorted(later.values()) == [1, 2, 3, 4, 5, 6]
    assert "u-quarantined" not in later
    assert con.execute(
        "select count(*) = count(distinct identity_value) from raw.identities"
    ).fetchone() == (True,)
    for row in events(con):
        assert row["user_id_key"] == (later[row["user_id"]] if row["user_id"] else None)
        assert row["anonymous_id_key"] == (
            later[row["anonymous_id"]] if row["anonymous_id"] else None
        )


def test_identity_values_are_trimmed_text(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(
        folder, "a.jsonl", [event(event_id="1", user_id=" u-1 "), event(event_id="2", user_id=42)]
    )
    con, _ = land(tmp_path, folder)
    assert [e["user_id"] for e in events(con)] == ["u-1", "42"]
    assert con.execute("select count(*) from raw.identities").fetchone() == (2,)


# --- gzip ------------------------------------------------------------------------------------


def test_gzip_file_lands(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    path = write_lines(
        folder, "2024/05/01/events.ndjson.gz", [event(event_id="1"), "oops", event(event_id="3")]
    )
    assert gzip.decompress(path.read_bytes())  # really gzipped
    con, result = land(tmp_path, folder)
    assert result.files_landed == ["2024/05/01/events.ndjson.gz"]
    assert [(e["event_id"], e["line_number"]) for e in events(con)] == [("1", 1), ("3", 3)]
    assert [(q["line_number"], q["reason"]) for q in quarantine(con)] == [(2, "invalid_json")]
    (manifest,) = rows(con, "select * from raw.load_manifest")
    assert (manifest["count_lines"], manifest["count_landed"], manifest["count_quarantined"]) == (
        3,
        2,
        1,
    )
    assert manifest["file_size_bytes"] == path.stat().st_size


def test_truncated_gzip_lands_its_complete_lines(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    data = gzip.compress(
        b"".join(json.dumps(event(event_id=str(n))).encode() + b"\n" for n in range(200))
    )
    folder.mkdir()
    (folder / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    con, result = land(tmp_path, folder)
    assert result.files_unreadable == []
    assert result.files_landed == result.files_truncated == ["cut.jsonl.gz"]
    (manifest,) = rows(con, "select * from raw.load_manifest")
    assert manifest["status"] == "truncated"
    assert "end-of-stream" in manifest["error"]
    landed = [int(e["event_id"]) for e in events(con)]
    assert landed == list(range(len(landed))) and 0 < len(landed) < 200
    (cut,) = quarantine(con)
    assert (cut["reason"], cut["line_number"]) == ("truncated_file", len(landed) + 1)
    assert manifest["count_lines"] == len(landed) + 1
    assert manifest["count_landed"] == len(landed)
    assert manifest["count_quarantined"] == 1


def test_gzip_cut_in_its_header_is_unreadable(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "cut.jsonl.gz").write_bytes(gzip.compress(b'{"event_id": "1"}\n')[:5])
    con, result = land(tmp_path, folder)
    assert result.files_unreadable == ["cut.jsonl.gz"]
    assert reasons(con) == ["unreadable_file"]
    assert table_counts(con)["raw.events"] == 0


# --- one transaction -------------------------------------------------------------------------


def test_failure_inside_the_transaction_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "day1.jsonl", [event(event_id="1", user_id="u-1")])
    con, _ = land(tmp_path, folder)
    before = table_counts(con)
    snapshot = {
        table: con.execute(f"select * from {table} order by all").fetchall() for table in TABLES
    }

    write_lines(folder, "day2.jsonl", [event(event_id="2", user_id="u-2"), "bad"])
    (folder / "day3.jsonl.gz").write_bytes(b"not gzip")

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(land_module, "_write_manifest", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        land(tmp_path, folder, con=con)
    assert table_counts(con) == before
    for table in TABLES:
        assert con.execute(f"select * from {table} order by all").fetchall() == snapshot[table]

    monkeypatch.undo()
    con, result = land(tmp_path, folder, con=con)
    assert sorted(result.files_landed) == ["day2.jsonl"]
    assert result.files_unreadable == ["day3.jsonl.gz"]
    after = table_counts(con)
    assert after == {
        "raw.events": 2,
        "audit.quarantine": 2,
        "raw.load_manifest": 3,
        "raw.identities": 2,
    }


def test_failure_then_rerun_from_a_new_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="1")])

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(land_module, "_write_manifest", explode)
    con = connect(tmp_path)
    with pytest.raises(RuntimeError):
        land(tmp_path, folder, con=con)
    con.close()
    monkeypatch.undo()
    con, result = land(tmp_path, folder)
    assert result.files_landed == ["a.jsonl"]
    assert table_counts(con)["raw.events"] == 1


def test_landing_in_small_batches_gives_the_same_tables_as_one_batch(tmp_path: Path) -> None:
    """Files are committed batch by batch (bounded memory); the result must not depend on it."""
    folder = tmp_path / "landing"
    for day in range(4):
        write_lines(
            folder,
            f"day{day}.jsonl",
            [event(event_id=f"{day}-{n}", user_id=f"user-{n % 3}") for n in range(5)]
            + ["not json"]
            + [event(event_id="0-0", user_id="user-0")],  # a re-sent copy in every file
        )
    (tmp_path / "one").mkdir()
    (tmp_path / "many").mkdir()
    one, one_result = land(tmp_path / "one", folder)
    many, many_result = land(tmp_path / "many", folder, batch_bytes=1)
    for table in ("raw.events", "audit.quarantine", "raw.identities"):
        columns = "* exclude (load_id)" if table != "raw.identities" else "*"
        sql = f"select {columns} from {table} order by all"
        assert one.execute(sql).fetchall() == many.execute(sql).fetchall(), table
    sql = "select file_path, count_lines, count_landed, count_quarantined from raw.load_manifest"
    assert sorted(one.execute(sql).fetchall()) == sorted(many.execute(sql).fetchall())
    assert (
        (one_result.count_lines, one_result.count_landed, one_result.count_quarantined)
        == (
            many_result.count_lines,
            many_result.count_landed,
            many_result.count_quarantined,
        )
        == (28, 24, 4)
    )
    assert many_result.quarantined_by_reason == {"invalid_json": 4}


def test_a_landed_file_unchanged_on_disk_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Path, size, modification and inode change time known from the manifest: no second
    hash. A file rewritten in place (new modification time) is hashed again."""
    from usage_analytics.landing import files as landing_files

    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "a.ndjson").write_text('{"x": 1}\n')
    (folder / "b.ndjson").write_text('{"x": 2}\n')
    first = landing_files.discover(folder)
    known = {
        (f.relative_path, f.size_bytes, f.modified_ns, f.changed_ns): f.content_hash for f in first
    }
    hashed: list[Path] = []
    real_sha256 = landing_files._sha256

    def counting_sha256(path: Path) -> str:
        hashed.append(path)
        return real_sha256(path)

    monkeypatch.setattr(landing_files, "_sha256", counting_sha256)
    assert landing_files.discover(folder, known) == first
    assert hashed == []
    os.utime(folder / "b.ndjson", ns=(first[1].modified_ns + 10**9,) * 2)
    again = landing_files.discover(folder, known)
    assert [path.name for path in hashed] == ["b.ndjson"]
    assert [f.content_hash for f in again] == [f.content_hash for f in first]
