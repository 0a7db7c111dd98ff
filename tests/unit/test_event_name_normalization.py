"""Unit tests of the event name normalization (CONTRACT §1), evaluated in DuckDB as landing
does: camelCase split, lower-cased, runs of non-letters/digits to one `_`, ends trimmed."""

import string
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.landing_helpers import event, events, land, reasons, write_lines
from usage_analytics.landing.rules import create_landing_macros


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    create_landing_macros(connection)
    yield connection
    connection.close()


def normalize(con: duckdb.DuckDBPyConnection, name: str) -> str:
    return con.execute("select normalize_event_name($1)", [name]).fetchone()[0]


EXAMPLES = [
    # CONTRACT §1's examples
    ("Project Created", "project_created"),
    ("signedUp", "signed_up"),
    ("$pageview", "pageview"),
    # already normalized
    ("project_created", "project_created"),
    ("page_view", "page_view"),
    # camelCase and PascalCase
    ("ProjectCreated", "project_created"),
    ("inviteTeamMemberSent", "invite_team_member_sent"),
    ("step2Done", "step2_done"),
    ("v2", "v2"),
    ("2FAEnabled", "2_faenabled"),
    ("HTTPServer", "httpserver"),
    ("getHTTPResponse", "get_httpresponse"),
    ("SHOUTING NAME", "shouting_name"),
    # punctuation and separators
    ("Project  --  Created!!", "project_created"),
    ("project.created", "project_created"),
    ("a--__--b", "a_b"),
    ("__private__", "private"),
    ("  Signed Up  ", "signed_up"),
    ("...leading and trailing...", "leading_and_trailing"),
    ("Order #42 Paid", "order_42_paid"),
    ("tab\tand\nnewline", "tab_and_newline"),
    ("emoji 🎉 party", "emoji_party"),
    # unicode letters of any script
    ("Été Créé", "été_créé"),
    ("étéCréé", "été_créé"),
    ("Straße Geöffnet", "straße_geöffnet"),
    ("ユーザー登録", "ユーザー登録"),
    ("プロジェクト 作成", "プロジェクト_作成"),
    ("Заказ Оформлен", "заказ_оформлен"),
    ("заказОформлен", "заказ_оформлен"),
    ("Ελληνικά Γράμματα", "ελληνικά_γράμματα"),
    ("عربي-اسم", "عربي_اسم"),
    ("٣ آيات", "٣_آيات"),  # Arabic-Indic digit
    # names that normalize to nothing
    ("🎉", ""),
    ("___", ""),
    ("  ", ""),
    ("$", ""),
    ("-_-", ""),
]


@pytest.mark.parametrize(("name", "expected"), EXAMPLES)
def test_examples(con: duckdb.DuckDBPyConnection, name: str, expected: str) -> None:
    assert normalize(con, name) == expected


def test_null_stays_null(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("select normalize_event_name(null::varchar)").fetchone() == (None,)


def test_works_over_a_column(con: duckdb.DuckDBPyConnection) -> None:
    values = ", ".join(
        f"({i}, '{name.replace(chr(39), chr(39) * 2)}')" for i, (name, _) in enumerate(EXAMPLES)
    )
    result = con.execute(
        f"select normalize_event_name(name) from (values {values}) as t(i, name) order by i"
    ).fetchall()
    assert [row[0] for row in result] == [expected for _, expected in EXAMPLES]


# --- landing ---------------------------------------------------------------------------------


def test_landed_event_keeps_original_name(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(
        folder,
        "a.jsonl",
        [
            event(event_id="1", event="Project Created"),
            event(event_id="2", event="  signedUp "),
            event(event_id="3", event="$pageview"),
            event(event_id="4", event="Été Créé"),
        ],
    )
    con, _ = land(tmp_path, folder)
    assert [(e["event_name"], e["event_name_original"]) for e in events(con)] == [
        ("project_created", "Project Created"),
        ("signed_up", "signedUp"),  # the original is kept trimmed
        ("pageview", "$pageview"),
        ("été_créé", "Été Créé"),
    ]


@pytest.mark.parametrize("name", ["🎉", "___", "$", "-_-", "🎉 ✨"])
def test_name_that_normalizes_to_nothing_is_quarantined(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="good"), event(event_id="bad", event=name)])
    con, _ = land(tmp_path, folder)
    assert reasons(con) == ["invalid_event_name"]
    assert [e["event_id"] for e in events(con)] == ["good"]


@pytest.mark.parametrize("name", ["", "  "])
def test_blank_name_is_a_missing_event(tmp_path: Path, name: str) -> None:
    # A blank `event` is treated as no `event` at all (missing_event comes first in the order
    # of reasons), not as a name that normalizes to nothing.
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event=name)])
    con, _ = land(tmp_path, folder)
    assert reasons(con) == ["missing_event"]


# --- properties ------------------------------------------------------------------------------

# An alphabet where Python's and DuckDB's notions of letters, digits and case agree.
ALPHABET = string.ascii_letters + string.digits + string.punctuation + " \t" + "éÉàÀçÇüÜñÑøØß"
names = st.text(alphabet=ALPHABET, max_size=40)


def reference(name: str) -> str:
    """CONTRACT §1's rule in plain Python (sound for `ALPHABET` only)."""
    split = "".join(
        ("_" if i and char.isupper() and (name[i - 1].islower() or name[i - 1].isdigit()) else "")
        + char
        for i, char in enumerate(name)
    )
    out: list[str] = []
    for char in split.lower():
        if char.isalnum():
            out.append(char)
        elif not out or out[-1] != "_":
            out.append("_")
    return "".join(out).strip("_")


def normalize_many(con: duckdb.DuckDBPyConnection, batch: list[str]) -> list[str]:
    """Normalizes a whole batch in one query (hypothesis examples stay fast)."""
    sql = "select list_transform($1::varchar[], lambda n: normalize_event_name(n))"
    return con.execute(sql, [batch]).fetchone()[0]


batches = st.lists(names, min_size=1, max_size=30)
SETTINGS = settings(max_examples=40, deadline=None)


def test_normalize_many_agrees_with_normalize(con: duckdb.DuckDBPyConnection) -> None:
    batch = [name for name, _ in EXAMPLES]
    assert normalize_many(con, batch) == [expected for _, expected in EXAMPLES]


@SETTINGS
@given(batch=batches)
def test_result_shape(con: duckdb.DuckDBPyConnection, batch: list[str]) -> None:
    for result in normalize_many(con, batch):
        assert not result.startswith("_")
        assert not result.endswith("_")
        assert "__" not in result
        assert result == result.lower()
        assert all(char.isalnum() or char == "_" for char in result)


@SETTINGS
@given(batch=batches)
def test_idempotent(con: duckdb.DuckDBPyConnection, batch: list[str]) -> None:
    once = normalize_many(con, batch)
    assert normalize_many(con, once) == once


@SETTINGS
@given(batch=batches)
def test_matches_reference(con: duckdb.DuckDBPyConnection, batch: list[str]) -> None:
    assert normalize_many(con, batch) == [reference(name) for name in batch]


@SETTINGS
@given(batch=st.lists(st.text(max_size=20), min_size=1, max_size=30))
def test_any_text_is_idempotent_and_has_no_separator_runs(
    con: duckdb.DuckDBPyConnection, batch: list[str]
) -> None:
    # Over all of Unicode only the case-independent properties are checked.
    once = normalize_many(con, batch)
    for result in once:
        assert "__" not in result
        assert not result.startswith("_")
        assert not result.endswith("_")
    assert normalize_many(con, once) == once
