"""Unit tests of landing's quarantine rules (CONTRACT §1): one reason per unusable line, the
first that applies, with file, line number and raw text; every line accounted for per file."""

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.unit.landing_helpers import (
    DROP,
    NOW,
    event,
    events,
    land,
    quarantine,
    reasons,
    rows,
    write_bytes,
    write_lines,
)
from usage_analytics.landing.reasons import MAX_LINE_BYTES, QUARANTINE_REASONS

CONTRACT_REASONS = (
    "line_too_long",
    "invalid_json",
    "not_an_object",
    "missing_event_id",
    "invalid_type",
    "missing_event",
    "invalid_event_name",
    "missing_user",
    "missing_timestamp",
    "invalid_timestamp",
    "timestamp_before_floor",
    "timestamp_after_received_at",
    "received_at_in_future",
    "unreadable_file",
)


def dumps(**fields: object) -> str:
    return json.dumps(event(**{"event_id": "bad-1", **fields}))


# One hand-written bad line per line-level reason code (bytes where the raw bytes matter).
LINE_CASES: dict[str, str | bytes] = {
    "line_too_long": dumps(padding="x" * (MAX_LINE_BYTES + 1)),
    "invalid_encoding": b'{"event_id": "bad-1", "event": "caf\xe9", "user_id": "u",'
    b' "timestamp": "2024-05-01T10:00:00Z"}',
    "empty_line": "   ",
    "invalid_json": '{"event_id": "bad-1", "event": "Project Created"',
    "not_an_object": '["bad-1", "Project Created"]',
    "duplicate_key": '{"event_id": "bad-1", "event_id": "bad-2", "event": "Project Created",'
    ' "user_id": "u", "timestamp": "2024-05-01T10:00:00Z"}',
    "missing_event_id": dumps(event_id=DROP),
    "invalid_type": dumps(type="alias"),
    "missing_event": dumps(event=DROP),
    "invalid_event_name": dumps(event="🎉"),
    "missing_user": dumps(user_id=DROP),
    "missing_timestamp": dumps(timestamp=DROP),
    "invalid_timestamp": dumps(timestamp="yesterday at noon"),
    "invalid_received_at": dumps(received_at="not a time"),
    "timestamp_before_floor": dumps(timestamp="1999-12-31T23:59:59Z"),
    "timestamp_after_received_at": dumps(
        timestamp="2024-05-03T10:00:00Z", received_at="2024-05-01T10:00:00Z"
    ),
    "received_at_in_future": dumps(received_at="2099-01-01T00:00:00Z"),
}
# Cases built from whole files: test_unreadable_file here; truncated_file in
# test_landing_behaviour.py and the bad-input corpus (tests/fixtures/bad_input.py).
FILE_CASES = {"unreadable_file", "truncated_file"}
FORGET_CASES = {"forgotten_user"}  # needs a forget request: tests/unit/test_privacy_landing.py
# given after landing by `usage-analytics quarantine`: tests/unit/test_operator_quarantine.py
OPERATOR_CASES = {"quarantined_by_operator"}


def good(number: int) -> dict:
    return event(event_id=f"good-{number}")


@pytest.mark.parametrize("reason", sorted(LINE_CASES))
def test_line_reason(tmp_path: Path, reason: str) -> None:
    folder = tmp_path / "landing"
    bad = LINE_CASES[reason]
    write_lines(folder, "sub/case.jsonl", [good(1), bad, good(3)])
    con, result = land(tmp_path, folder)

    (row,) = quarantine(con)
    assert row["reason"] == reason
    assert row["file_path"] == "sub/case.jsonl"
    assert row["line_number"] == 2
    expected_raw = bad.decode("utf-8", errors="replace") if isinstance(bad, bytes) else bad
    assert row["raw_line"] == expected_raw
    landed = [(e["event_id"], e["file_path"], e["line_number"]) for e in events(con)]
    assert landed == [("good-1", "sub/case.jsonl", 1), ("good-3", "sub/case.jsonl", 3)]
    assert result.quarantined_by_reason == {reason: 1}


def test_unreadable_file(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "broken.jsonl.gz").write_bytes(json.dumps(good(1)).encode() + b"\n")
    write_lines(folder, "sub/fine.jsonl", [good(2)])
    con, result = land(tmp_path, folder)

    (row,) = quarantine(con)
    assert row["reason"] == "unreadable_file"
    assert row["file_path"] == "sub/broken.jsonl.gz"
    assert row["line_number"] is None
    assert row["raw_line"]  # the read error
    assert [e["event_id"] for e in events(con)] == ["good-2"]
    assert result.files_unreadable == ["sub/broken.jsonl.gz"]
    manifest = rows(
        con,
        "select status, error, count_lines, count_landed, count_quarantined "
        "from raw.load_manifest where file_path = 'sub/broken.jsonl.gz'",
    )
    assert manifest == [
        {
            "status": "unreadable",
            "error": row["raw_line"],
            "count_lines": 0,
            "count_landed": 0,
            "count_quarantined": 0,
        }
    ]


@pytest.mark.parametrize("reason", QUARANTINE_REASONS)
def test_every_reason_has_a_case(reason: str) -> None:
    assert (
        reason in LINE_CASES
        or reason in FILE_CASES
        or reason in FORGET_CASES
        or reason in OPERATOR_CASES
    )


@pytest.mark.parametrize("reason", CONTRACT_REASONS)
def test_every_contract_reason_is_a_code(reason: str) -> None:
    assert reason in QUARANTINE_REASONS


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (dumps(event_id=DROP, user_id=DROP), "missing_event_id"),
        ("[" + "1," * MAX_LINE_BYTES + "1", "line_too_long"),
        (dumps(type="alias", user_id=DROP, timestamp=DROP), "invalid_type"),
        (dumps(event=DROP, user_id=DROP), "missing_event"),
        (dumps(event="___", timestamp="garbage"), "invalid_event_name"),
        (dumps(user_id=DROP, timestamp=DROP), "missing_user"),
        (dumps(timestamp=DROP, received_at="garbage"), "missing_timestamp"),
        (dumps(timestamp="garbage", received_at="garbage"), "invalid_timestamp"),
        (dumps(timestamp="1990-01-01T00:00:00Z", received_at="garbage"), "invalid_received_at"),
        (
            dumps(timestamp="1990-01-01T00:00:00Z", received_at="1980-01-01T00:00:00Z"),
            "timestamp_before_floor",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else None,
)
def test_first_reason_that_applies(tmp_path: Path, line: str, expected: str) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [line])
    con, _ = land(tmp_path, folder)
    assert reasons(con) == [expected]


# --- per-file reconciliation (raw.load_manifest) --------------------------------------------


def physical_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


@pytest.mark.parametrize("trailing_newline", [True, False])
def test_manifest_reconciles_lines(tmp_path: Path, trailing_newline: bool) -> None:
    folder = tmp_path / "landing"
    lines = [good(1), "{not json", "", good(4), dumps(user_id=DROP), good(6)]
    path = write_lines(folder, "day.jsonl", lines, trailing_newline=trailing_newline)
    con, result = land(tmp_path, folder)

    (manifest,) = rows(con, "select * from raw.load_manifest")
    assert manifest["status"] == "landed"
    assert manifest["count_lines"] == physical_lines(path.read_bytes()) == 6
    assert manifest["count_landed"] == 3
    assert manifest["count_quarantined"] == 3
    assert manifest["count_lines"] == manifest["count_landed"] + manifest["count_quarantined"]
    assert [(r["line_number"], r["reason"]) for r in quarantine(con)] == [
        (2, "invalid_json"),
        (3, "empty_line"),
        (5, "missing_user"),
    ]
    assert (result.count_lines, result.count_landed, result.count_quarantined) == (6, 3, 3)


def test_manifest_reconciles_several_files(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    files = {
        "a.jsonl": [good(1), "oops"],
        "b/c.ndjson": [good(2), good(3), "", good(4)],
        "b/empty.jsonl": [],
    }
    for name, lines in files.items():
        write_lines(folder, name, lines)
    con, _ = land(tmp_path, folder)
    manifest = {
        r["file_path"]: (r["count_lines"], r["count_landed"], r["count_quarantined"])
        for r in rows(con, "select * from raw.load_manifest")
    }
    assert manifest == {"a.jsonl": (2, 1, 1), "b/c.ndjson": (4, 3, 1), "b/empty.jsonl": (0, 0, 0)}
    per_file_events = dict(
        con.execute("select file_path, count(*) from raw.events group by 1").fetchall()
    )
    per_file_quarantine = dict(
        con.execute("select file_path, count(*) from audit.quarantine group by 1").fetchall()
    )
    for name, (_, landed, quarantined) in manifest.items():
        assert per_file_events.get(name, 0) == landed
        assert per_file_quarantine.get(name, 0) == quarantined


def test_two_final_newlines_make_one_empty_line(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_bytes(folder, "a.jsonl", json.dumps(good(1)).encode() + b"\n\n")
    con, _ = land(tmp_path, folder)
    assert [(r["line_number"], r["reason"]) for r in quarantine(con)] == [(2, "empty_line")]
    assert con.execute("select count_lines from raw.load_manifest").fetchone() == (2,)


# --- encodings and sizes ---------------------------------------------------------------------


def test_bom_and_crlf_lines_land(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    data = b"\xef\xbb\xbf" + b"\r\n".join(json.dumps(good(n)).encode() for n in (1, 2, 3))
    write_bytes(folder, "windows.jsonl", data + b"\r\n")
    write_bytes(folder, "windows.jsonl.gz", data.replace(b"good-", b"gz-") + b"\r\n")
    con, _ = land(tmp_path, folder)
    assert quarantine(con) == []
    assert sorted(e["event_id"] for e in events(con)) == [
        "good-1",
        "good-2",
        "good-3",
        "gz-1",
        "gz-2",
        "gz-3",
    ]


def test_crlf_blank_line_is_empty_line(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_bytes(folder, "a.jsonl", json.dumps(good(1)).encode() + b"\r\n\r\n")
    con, _ = land(tmp_path, folder)
    assert reasons(con) == ["empty_line"]


def test_ten_megabyte_line_is_line_too_long(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    huge = dumps(padding="x" * (10 * 1024 * 1024))
    write_lines(folder, "a.jsonl", [good(1), huge])
    con, _ = land(tmp_path, folder)
    (row,) = quarantine(con)
    assert (row["reason"], row["line_number"], len(row["raw_line"])) == (
        "line_too_long",
        2,
        len(huge),
    )
    assert [e["event_id"] for e in events(con)] == ["good-1"]


def test_line_at_the_size_limit_lands(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    template = dumps(padding="")
    line = dumps(padding="x" * (MAX_LINE_BYTES - len(template)))
    assert len(line.encode()) == MAX_LINE_BYTES
    one_more = dumps(padding="x" * (MAX_LINE_BYTES - len(template) + 1))
    write_lines(folder, "a.jsonl", [line, one_more])
    con, _ = land(tmp_path, folder)
    assert [r["line_number"] for r in quarantine(con)] == [2]
    assert reasons(con) == ["line_too_long"]


def test_line_limit_counts_bytes_not_characters(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    # 40,000 two-byte characters: under 64 Ki characters, over 64 KiB.
    write_lines(folder, "a.jsonl", [dumps(padding="é" * 40_000)])
    con, _ = land(tmp_path, folder)
    assert reasons(con) == ["line_too_long"]


# --- timestamps ------------------------------------------------------------------------------


def land_one(tmp_path: Path, line: dict, **kwargs: object) -> tuple[list[dict], list[str]]:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [line])
    con, _ = land(tmp_path, folder, **kwargs)
    return events(con), reasons(con)


@pytest.mark.parametrize(
    "timestamp",
    [
        "2024-05-01T10:00:00+99:00",
        "2024-05-01T10:00:00+19:00",
        "2024-05-01T10:00:00-2400",
        "2024-05-01T10:00:00+02:75",
        "2024-05-01T25:00:00Z",
        "2024-13-01T10:00:00Z",
        "1714557600",
        "2024/05/01 10:00:00",
    ],
)
def test_invalid_timestamps(tmp_path: Path, timestamp: str) -> None:
    landed, quarantined = land_one(tmp_path, event(timestamp=timestamp))
    assert (landed, quarantined) == ([], ["invalid_timestamp"])


def test_non_string_timestamp_is_invalid(tmp_path: Path) -> None:
    landed, quarantined = land_one(tmp_path, event(timestamp=1714557600))
    assert (landed, quarantined) == ([], ["invalid_timestamp"])


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2024-05-01T10:00:00+02:00", dt.datetime(2024, 5, 1, 8, 0)),
        ("2024-05-01T10:00:00-0530", dt.datetime(2024, 5, 1, 15, 30)),
        ("2024-05-01T01:00:00+03", dt.datetime(2024, 4, 30, 22, 0)),
        ("2024-05-01T10:00:00+18:00", dt.datetime(2024, 4, 30, 16, 0)),
        ("2024-05-01T10:00:00Z", dt.datetime(2024, 5, 1, 10, 0)),
        ("2024-05-01T10:00:00", dt.datetime(2024, 5, 1, 10, 0)),
        ("2024-05-01 10:00:00", dt.datetime(2024, 5, 1, 10, 0)),
        ("2024-05-01T10:00:00.123456", dt.datetime(2024, 5, 1, 10, 0, 0, 123456)),
        ("2024-05-01T10:00", dt.datetime(2024, 5, 1, 10, 0)),
        ("2024-05-10", dt.datetime(2024, 5, 10)),
    ],
)
def test_timestamps_convert_to_utc(tmp_path: Path, timestamp: str, expected: dt.datetime) -> None:
    landed, quarantined = land_one(tmp_path, event(timestamp=timestamp))
    assert quarantined == []
    assert landed[0]["event_at"] == expected


def test_date_only_timestamp_late_in_month_lands(tmp_path: Path) -> None:
    landed, quarantined = land_one(tmp_path, event(timestamp="2024-05-25"))
    assert quarantined == []
    assert landed[0]["event_at"] == dt.datetime(2024, 5, 25)


def test_offset_just_beyond_eighteen_hours_is_invalid(tmp_path: Path) -> None:
    _, quarantined = land_one(tmp_path, event(timestamp="2024-05-01T10:00:00+18:30"))
    assert quarantined == ["invalid_timestamp"]


def test_received_at_defaults_to_now(tmp_path: Path) -> None:
    landed, _ = land_one(tmp_path, event())
    assert landed[0]["received_at"] == NOW
    assert landed[0]["loaded_at"] == NOW


def test_null_received_at_defaults_to_now(tmp_path: Path) -> None:
    landed, _ = land_one(tmp_path, event(received_at=None))
    assert landed[0]["received_at"] == NOW


def test_received_at_with_offset_converts_to_utc(tmp_path: Path) -> None:
    landed, _ = land_one(tmp_path, event(received_at="2024-05-01T12:00:00+02:00"))
    assert landed[0]["received_at"] == dt.datetime(2024, 5, 1, 10, 0)


def test_aware_now_is_converted_to_utc(tmp_path: Path) -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    landed, _ = land_one(tmp_path, event(), now=dt.datetime(2024, 6, 1, 14, 0, tzinfo=plus_two))
    assert landed[0]["received_at"] == dt.datetime(2024, 6, 1, 12, 0)


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2024-05-02T10:00:00Z", []),
        ("2024-05-02T12:00:00+02:00", []),
        ("2024-05-02T10:00:01Z", ["timestamp_after_received_at"]),
        ("2024-05-02T10:00:00.000001Z", ["timestamp_after_received_at"]),
    ],
)
def test_timestamp_after_received_at_boundary(
    tmp_path: Path, timestamp: str, expected: list[str]
) -> None:
    line = event(timestamp=timestamp, received_at="2024-05-01T10:00:00Z")
    landed, quarantined = land_one(tmp_path, line)
    assert quarantined == expected
    assert len(landed) == 1 - len(expected)


@pytest.mark.parametrize(
    ("skew", "received_at", "expected"),
    [
        (None, "2024-06-01T12:05:00Z", []),  # the default skew: 5 minutes
        (None, "2024-06-01T12:05:01Z", ["received_at_in_future"]),
        (None, "2024-06-01T14:05:01+02:00", ["received_at_in_future"]),
        (dt.timedelta(0), "2024-06-01T12:00:00Z", []),
        (dt.timedelta(0), "2024-06-01T12:00:00.000001Z", ["received_at_in_future"]),
        (dt.timedelta(hours=1), "2024-06-01T13:00:00Z", []),
    ],
)
def test_received_at_in_future_boundary(
    tmp_path: Path, skew: dt.timedelta | None, received_at: str, expected: list[str]
) -> None:
    """received_at may lie up to the allowed clock skew past the landing time (NOW)."""
    options = {} if skew is None else {"max_clock_skew": skew}
    landed, quarantined = land_one(tmp_path, event(received_at=received_at), **options)
    assert quarantined == expected
    assert len(landed) == 1 - len(expected)


def test_received_at_in_future_of_an_anonymous_line_never_lands(tmp_path: Path) -> None:
    """The poison line: far in the future and carrying only an anonymous id (no `forget`
    could remove it). Its timestamp lies within a day of its received_at, so only the
    received_at rule catches it."""
    line = event(
        user_id=DROP,
        anonymous_id="device-1",
        timestamp="2099-01-01T00:00:00Z",
        received_at="2099-01-01T00:00:01Z",
    )
    landed, quarantined = land_one(tmp_path, line)
    assert (landed, quarantined) == ([], ["received_at_in_future"])


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [("2024-06-02T12:00:00Z", []), ("2024-06-02T12:00:01Z", ["timestamp_after_received_at"])],
)
def test_timestamp_after_default_received_at_boundary(
    tmp_path: Path, timestamp: str, expected: list[str]
) -> None:
    _, quarantined = land_one(tmp_path, event(timestamp=timestamp))
    assert quarantined == expected


@pytest.mark.parametrize(
    ("floor", "timestamp", "expected"),
    [
        (dt.date(2000, 1, 1), "2000-01-01T00:00:00Z", []),
        (dt.date(2000, 1, 1), "1999-12-31T23:59:59Z", ["timestamp_before_floor"]),
        (dt.date(2000, 1, 1), "2000-01-01T01:00:00+02:00", ["timestamp_before_floor"]),
        (dt.date(2024, 1, 1), "2023-12-31T23:59:59.999Z", ["timestamp_before_floor"]),
        (dt.date(2024, 1, 1), "2024-01-01T00:00:00Z", []),
        (dt.datetime(2024, 5, 1, 10, 0), "2024-05-01T09:59:59Z", ["timestamp_before_floor"]),
        (dt.datetime(2024, 5, 1, 10, 0), "2024-05-01T10:00:00Z", []),
    ],
)
def test_timestamp_floor_boundary(
    tmp_path: Path, floor: dt.date, timestamp: str, expected: list[str]
) -> None:
    _, quarantined = land_one(tmp_path, event(timestamp=timestamp), timestamp_floor=floor)
    assert quarantined == expected


# --- other line-level edge cases -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"event_id": ""}, "missing_event_id"),
        ({"event_id": "   "}, "missing_event_id"),
        ({"event_id": None}, "missing_event_id"),
        ({"event_id": ["a"]}, "missing_event_id"),
        ({"event_id": {"id": "a"}}, "missing_event_id"),
        ({"type": 3}, "invalid_type"),
        ({"type": "alias"}, "invalid_type"),
        ({"event": None}, "missing_event"),
        ({"event": ""}, "missing_event"),
        ({"event": 42}, "invalid_event_name"),
        ({"event": ["a"]}, "invalid_event_name"),
        ({"user_id": ""}, "missing_user"),
        ({"user_id": None, "anonymous_id": "  "}, "missing_user"),
        ({"user_id": {"id": 1}}, "missing_user"),
        ({"timestamp": None}, "missing_timestamp"),
        ({"received_at": 5}, "invalid_received_at"),
    ],
    ids=str,
)
def test_field_edge_cases(tmp_path: Path, fields: dict, expected: str) -> None:
    _, quarantined = land_one(tmp_path, event(**fields))
    assert quarantined == [expected]


@pytest.mark.parametrize(
    "fields",
    [
        {"event_id": 12345},
        {"user_id": DROP, "anonymous_id": "anon-1"},
        {"user_id": 7},
        {"type": "TRACK"},
        {"type": None},
        {"type": "page", "event": DROP},
        {"type": "identify", "event": DROP},
    ],
    ids=str,
)
def test_field_variants_that_land(tmp_path: Path, fields: dict) -> None:
    landed, quarantined = land_one(tmp_path, event(**fields))
    assert quarantined == []
    assert len(landed) == 1


def test_whitespace_only_line_with_tab_is_empty_line(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [good(1), " \t ", good(3)])
    con, _ = land(tmp_path, folder)
    assert reasons(con) == ["empty_line"]


@pytest.mark.parametrize(
    "line",
    [
        '{"event_id": "bad-1", "event": "x", "user_id": "u", "timestamp": "2024-05-01",}',
        '{"event_id": "bad-1", "event": "x", "user_id": "u", "timestamp": "2024-05-01", "n": NaN}',
    ],
)
def test_non_standard_json_is_invalid_json(tmp_path: Path, line: str) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [line])
    con, _ = land(tmp_path, folder)
    assert reasons(con) == ["invalid_json"]
