"""Unit tests of landing's shortcuts: each gives the result of the general rule it stands in
for (event names, timestamps, the hashed `context.ip`, the duplicate-key rule, line splitting),
so that landing is fast on usual lines and unchanged on odd ones."""

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.landing_helpers import (
    SALT,
    event,
    events,
    land,
    reasons,
    salted_sha256,
    write_bytes,
    write_lines,
)
from usage_analytics.landing.files import discover, read_lines
from usage_analytics.landing.rules import create_landing_macros

SETTINGS = settings(max_examples=40, deadline=None)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    create_landing_macros(connection)
    yield connection
    connection.close()


# --- event names: normalize_event_name = event_name_rule --------------------------------------

title_words = st.from_regex(r"[A-Z][a-z0-9]{0,8}", fullmatch=True)
title_case = st.lists(title_words, min_size=1, max_size=4).map(" ".join)
snake_case = st.from_regex(r"[a-z0-9]{1,8}(_[a-z0-9]{1,8}){0,3}", fullmatch=True)
near_misses = st.sampled_from(
    ["Project  Created", " Signed Up", "Signed Up ", "signedUp", "Step 2 Done", "HTTPServer",
     "Été Créé", "project__created", "_private", "trailing_", "Order #42 Paid", "A", "a", ""]
)  # fmt: skip


def same_as_rule(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    rows = con.execute(
        "select list_transform($1::varchar[], lambda n: normalize_event_name(n)),"
        " list_transform($1::varchar[], lambda n: event_name_rule(n))",
        [names],
    ).fetchone()
    assert rows[0] == rows[1]


@SETTINGS
@given(names=st.lists(st.one_of(title_case, snake_case, near_misses), min_size=1, max_size=30))
def test_event_name_shortcuts_give_the_rule(
    con: duckdb.DuckDBPyConnection, names: list[str]
) -> None:
    same_as_rule(con, names)


# --- timestamps: json_iso_timestamp = iso_timestamp of the decoded string -------------------

TIMESTAMPS = [
    "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123Z", "2024-05-01T10:00:00.123456789Z",
    "2024-05-01T10:00:00+02:00", "2024-05-01T10:00:00.5-05:30", "2024-05-01T10:00:00+18:00",
    "2024-05-01T10:00:00+18:01", "2024-05-01T10:00:00+19:00", "2024-05-01T10:00:00+02:75",
    "2024-05-01T10:00:00-24:00", "2024-05-01T10:00:00-00:00", "2024-02-30T10:00:00Z",
    "2024-02-29T10:00:00Z", "2023-02-29T10:00:00Z", "2024-05-01T24:00:00Z",
    "2024-05-01T23:59:60Z", "2024-13-01T10:00:00Z", "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z", "2024-05-01T10:00:00.Z", "2024-05-01t10:00:00z",
    "2024-05-01T10:00:00+0530", "2024-05-01T10:00:00+03", "2024-05-01 10:00:00",
    "2024-05-10", "-024-05-01T10:00:00Z", " 2024-05-01T10:00:00Z", "garbage", "",
]  # fmt: skip
digits = st.integers(min_value=0, max_value=99).map("{:02d}".format)
generated = st.builds(
    "{}-{}-{}T{}:{}:{}{}{}".format,
    st.integers(min_value=0, max_value=9999).map("{:04d}".format),
    digits,
    digits,
    digits,
    digits,
    digits,
    st.sampled_from(["", ".1", ".123", ".123456", ".1234567", ".123456789"]),
    st.one_of(st.just("Z"), st.builds("{}{}:{}".format, st.sampled_from("+-"), digits, digits)),
)


def same_as_general(con: duckdb.DuckDBPyConnection, texts: list[str]) -> None:
    rows = con.execute(
        "select list_transform($1::varchar[], lambda t: json_iso_timestamp(to_json(t)::varchar)),"
        " list_transform($1::varchar[], lambda t: iso_timestamp(t))",
        [texts],
    ).fetchone()
    assert rows[0] == rows[1]


def test_timestamp_shortcuts_give_the_general_form(con: duckdb.DuckDBPyConnection) -> None:
    same_as_general(con, TIMESTAMPS)


@SETTINGS
@given(texts=st.lists(generated, min_size=1, max_size=30))
def test_generated_timestamps_give_the_general_form(
    con: duckdb.DuckDBPyConnection, texts: list[str]
) -> None:
    same_as_general(con, texts)


# --- context.ip: the string replacement = json_merge_patch -----------------------------------

CONTEXTS = [
    {"page": {"path": "/"}, "ip": "1.2.3.4"},  # the usual: last, the only "ip"
    {"ip": "1.2.3.4", "page": {"path": "/"}},
    {"device": {"ip": "9.9.9.9"}, "ip": "1.2.3.4"},
    {"device": {"x": 1, "ip": "1.2.3.4"}, "ip": "1.2.3.4"},
    {"ip": "1.2.3.4"},
    {"a": 1, "ip": 5},
    {"a": 1, "ip": {"v": 4}},
    {"a": 1, "ip": 'quote " and \\ backslash'},
    {"a": "é", "ip": "café"},
]


@pytest.mark.parametrize("context", CONTEXTS, ids=str)
def test_hashed_ip_is_json_merge_patch(tmp_path: Path, context: dict) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(context=context)])
    con, _ = land(tmp_path, folder)
    (landed,) = events(con)
    ip = con.execute("select json_extract_string(?, '$.ip')", [json.dumps(context)]).fetchone()
    expected = con.execute(
        "select json_merge_patch(json_extract(?, '$'), json_object('ip', ?))",
        [json.dumps(context), salted_sha256(ip[0])],
    ).fetchone()[0]
    assert landed["context"] == expected


def test_a_repeated_top_level_ip_is_merged_away(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    line = json.dumps(event())[:-1] + ', "context": {"ip": "1.2.3.4", "a": 1, "ip": "1.2.3.4"}}'
    write_lines(folder, "a.jsonl", [line])
    con, _ = land(tmp_path, folder)
    (landed,) = events(con)
    assert landed["context"] == f'{{"a":1,"ip":"{salted_sha256("1.2.3.4", SALT)}"}}'


# --- duplicate keys: counted only for a line with a key besides the distinct read keys --------


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        (', "extra": 1', []),
        (', "extra": 1, "extra": 2', []),
        (', "extra": 1, "event_id": "again"', ["duplicate_key"]),
        (', "event\\u005fid": "again"', ["duplicate_key"]),
        (', "context": {}, "context": {}', ["duplicate_key"]),
        (', "messageId": "other"', []),
    ],
)
def test_repeated_read_keys(tmp_path: Path, suffix: str, expected: list[str]) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [json.dumps(event())[:-1] + suffix + "}"])
    con, _ = land(tmp_path, folder)
    assert reasons(con) == expected


# --- line splitting: numpy offsets = splitting in Python ---------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n",
        b"\n\n",
        b"a",
        b"a\nb",
        b"a\nb\n",
        b"\xef\xbb\xbfa\r\n\xef\xbb\xbfb\r\r\n",
        b"caf\xc3\xa9\nbad \xe9\n\xe2\x82\nok",
        b"\r\n \t\n",
    ],
)
def test_lines_as_python_splits_them(tmp_path: Path, data: bytes) -> None:
    write_bytes(tmp_path, "a.jsonl", data)
    write_bytes(tmp_path, "b.jsonl.gz", data)
    for file in discover(tmp_path):
        table = read_lines(file).lines
        assert table is not None
        content = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        raw = content.split(b"\n")
        if raw[-1] == b"":
            raw.pop()
        text = [line.decode("utf-8", errors="replace") for line in raw]
        assert table["line"].to_pylist() == text
        assert table["content"].to_pylist() == [
            line.removeprefix("\ufeff").rstrip("\r") for line in text
        ]
        assert table["line_number"].to_pylist() == list(range(1, len(raw) + 1))
        assert table["is_valid_utf8"].to_pylist() == [
            line.decode("utf-8", errors="replace").encode() == line for line in raw
        ]
