"""Each Great Expectations suite on a good and a bad frame, and the batch frame it validates.

Every frame is validated twice: by GX itself (``validate``) and in DuckDB
(``validate_in_duckdb``, what the gates run), which must give the same results.

GX takes several seconds to import: this is the only unit module that validates, and the
module-scoped fixture pays the import once.
"""

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from expectations.runner import SuiteResult, validate, validate_in_duckdb
from expectations.suites import landing
from orchestration.defs.quality.checks import _batch_check, read_pending
from orchestration.defs.resources import Landing, QualityGates
from tests.unit.landing_helpers import event, land, write_lines

LANDED_AT = dt.datetime(2026, 1, 20, 12, 0)
BATCH_THRESHOLDS = landing.LandingBatchThresholds(
    timestamp_floor=dt.datetime(2000, 1, 1),
    max_event_at=LANDED_AT + dt.timedelta(days=1),
    max_quarantined_share=0.25,
    max_unknown_event_share=0.25,
)


@pytest.fixture(scope="module", autouse=True)
def _gx_imported() -> None:
    """Imports GX once for the module (the first validation would otherwise pay it)."""
    pytest.importorskip("great_expectations")


def validate_both(suite: str, frame: pd.DataFrame, build: Callable[[], list[Any]]) -> SuiteResult:
    """GX's result on ``frame``, after checking that DuckDB gives the same one."""
    expected = validate(suite, frame, build)
    con = duckdb.connect()
    con.register("records", frame)
    assert validate_in_duckdb(suite, con, "select * from records", [], build) == expected
    return expected


def failed(result: SuiteResult) -> set[str]:
    return {item.expectation for item in result.failed}


def batch_frame(**overrides: list[object]) -> pd.DataFrame:
    """Four valid lines and one quarantined line (a share of 0.2)."""
    columns: dict[str, list[object]] = {
        "event_id": ["e1", "e2", "e3", "e4", None],
        "event_type": ["track", "page", "screen", "identify", None],
        "event_name": ["signed_up", "page_view", "screen_view", "identify", None],
        "user_or_anonymous_id": ["u1", "a1", "u1", "u2", None],
        "event_at": pd.to_datetime(
            ["2026-01-19 10:00", "2026-01-19 11:00", "2026-01-20 09:00", "2026-01-20 10:00", None]
        ),
        "seconds_after_received": [0.0, -5.0, 0.0, -60.0, None],
        "is_quarantined": [0, 0, 0, 0, 1],
        "is_unknown_event": [0, 0, 0, 0, None],
    }
    columns.update(overrides)
    return pd.DataFrame(columns)


def validate_batch(frame: pd.DataFrame) -> SuiteResult:
    build = functools.partial(landing.landing_batch_expectations, BATCH_THRESHOLDS)
    return validate_both("landing_batch", frame, build)


def test_landing_batch_passes_a_good_batch() -> None:
    result = validate_batch(batch_frame())
    assert result.passed, result.failed
    assert len(result.results) == len(landing.REQUIRED_COLUMNS) + 5


def test_landing_batch_names_every_broken_rule() -> None:
    frame = batch_frame(
        event_type=["track", "bogus", "screen", "identify", None],
        user_or_anonymous_id=["u1", None, "u1", "u2", None],
        event_at=pd.to_datetime(
            ["1999-12-31 00:00", "2026-01-19 11:00", "2026-01-25 00:00", "2026-01-20 10:00", None]
        ),
        seconds_after_received=[0.0, 0.0, 90_000.0, 0.0, None],
        is_unknown_event=[1, 1, 0, 0, None],
    )
    result = validate_batch(frame)
    assert failed(result) == {
        "expect_column_values_to_be_in_set(event_type)",
        "expect_column_values_to_not_be_null(user_or_anonymous_id)",
        "expect_column_values_to_be_between(event_at)",
        "expect_column_values_to_be_between(seconds_after_received)",
        "expect_column_mean_to_be_between(is_unknown_event)",
    }
    unknown = next(item for item in result.failed if "is_unknown_event" in item.expectation)
    assert unknown.observed == "0.5"  # over valid lines only: the quarantined line is excluded
    assert unknown.threshold == "in [0, 0.25] where is_quarantined == 0"


def test_landing_batch_fails_on_the_quarantined_share() -> None:
    frame = batch_frame(is_quarantined=[0, 0, 0, 1, 1])
    frame.loc[3, ["event_id", "event_type", "event_name", "user_or_anonymous_id"]] = None
    frame.loc[3, ["event_at", "seconds_after_received", "is_unknown_event"]] = None
    result = validate_batch(frame)
    assert failed(result) == {"expect_column_mean_to_be_between(is_quarantined)"}
    (item,) = result.failed
    assert (item.observed, item.threshold) == ("0.4", "in [0, 0.25]")


def test_volume_band_is_the_trailing_median_plus_minus_the_band() -> None:
    assert landing.volume_band([], 0.5) is None
    assert landing.volume_band([100, 300, 200], 0.5) == (100, 300)
    assert landing.volume_band([100, 200], 0.1) == (135, 165)


def test_landing_volume_within_and_outside_the_band() -> None:
    frame = batch_frame()
    inside = validate_both(
        "landing_volume", frame, lambda: landing.landing_volume_expectations((4, 6))
    )
    outside = validate_both(
        "landing_volume", frame, lambda: landing.landing_volume_expectations((10, 30))
    )
    none = validate_both("landing_volume", frame, lambda: landing.landing_volume_expectations(None))
    assert inside.passed and none.passed and not none.results
    assert not outside.passed
    assert (outside.failed[0].observed, outside.failed[0].threshold) == ("5", "in [10, 30]")


def test_landing_batch_without_share_thresholds_leaves_the_shares_out() -> None:
    thresholds = landing.LandingBatchThresholds(
        timestamp_floor=BATCH_THRESHOLDS.timestamp_floor,
        max_event_at=BATCH_THRESHOLDS.max_event_at,
        max_quarantined_share=None,
        max_unknown_event_share=None,
    )
    frame = batch_frame(is_unknown_event=[1, 1, 1, 1, None])
    build = functools.partial(landing.landing_batch_expectations, thresholds)
    result = validate_both("landing_batch", frame, build)
    assert result.passed and len(result.results) == len(landing.REQUIRED_COLUMNS) + 3


def test_landing_batch_fails_on_the_duplicate_rate() -> None:
    thresholds = landing.LandingBatchThresholds(
        timestamp_floor=BATCH_THRESHOLDS.timestamp_floor,
        max_event_at=BATCH_THRESHOLDS.max_event_at,
        max_quarantined_share=None,
        max_unknown_event_share=None,
        max_duplicate_rate=0.5,
    )
    build = functools.partial(landing.landing_batch_expectations, thresholds)
    # four valid lines of one event id (rate 0.75); the quarantined line does not count
    copies = batch_frame(event_id=["e1"] * 4 + [None], is_duplicate_event_id=[0, 1, 1, 1, None])
    result = validate_both("landing_batch", copies, build)
    assert failed(result) == {"expect_column_mean_to_be_between(is_duplicate_event_id)"}
    (item,) = result.failed
    assert (item.observed, item.threshold) == ("0.75", "in [0, 0.5] where is_quarantined == 0")
    # one re-sent copy in four valid lines (rate 0.25) passes
    resent = batch_frame(event_id=["e1", "e1", "e3", "e4", None])
    resent["is_duplicate_event_id"] = [0, 1, 0, 0, None]
    assert validate_both("landing_batch", resent, build).passed


def test_the_duplicate_rate_counts_copies_within_the_pending_batches_only(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id=f"e-{n}") for n in range(4)])
    con, first = land(tmp_path, folder)
    # the second batch re-sends two ids of the first, and one of its own twice
    resent = ["e-0", "e-1", "e-9", "e-9"]
    write_lines(folder, "b.jsonl", [event(event_id=event_id) for event_id in resent])
    _, second = land(tmp_path, folder, con=con)

    def duplicates(load_ids: list[str]) -> list[tuple[str, int]]:
        frame = con.execute(landing.BATCH_FRAME_SQL, [load_ids, []]).df()
        return sorted(zip(frame["event_id"], frame["is_duplicate_event_id"], strict=True))

    # the first batch published: copies of its ids in the second are normal re-sends
    assert duplicates([second.load_id]) == [("e-0", 0), ("e-1", 0), ("e-9", 0), ("e-9", 1)]
    # both pending: every copy counts
    assert [flag for _, flag in duplicates([first.load_id, second.load_id])].count(1) == 3


def test_a_small_batch_of_copies_skips_the_duplicate_rate(tmp_path: Path) -> None:
    # four copies of one event id (a rate of 0.75) and a quarantined line
    folder = tmp_path / "landing"
    write_lines(folder, "a.jsonl", [event(event_id="e1")] * 4 + ["not json"])
    con, result = land(tmp_path, folder)
    pending = read_pending(con, result.load_id, trailing_batches=7)
    assert (pending.count_lines, pending.count_run_lines) == (5, 5)
    floor, skew = dt.datetime(2000, 1, 1), Landing().max_clock_skew
    small = _batch_check(con, pending, QualityGates(max_quarantined_share=1), floor, skew)
    assert small.passed
    gates = QualityGates(max_quarantined_share=1, share_min_lines=5)
    checked = _batch_check(con, pending, gates, floor, skew)
    assert not checked.passed
    assert str(checked.description).endswith(
        "expect_column_mean_to_be_between(is_duplicate_event_id): observed 0.75,"
        " threshold in [0, 0.5] where is_quarantined == 0"
    )


def test_duckdb_agrees_with_gx_on_conditions_nulls_bounds_and_many_failures() -> None:
    """Row conditions with nulls (pandas keeps them for != and not in), open bounds, a mean of
    no rows, and more unexpected rows than the sample DuckDB hands GX."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    count = 60
    frame = pd.DataFrame(
        {
            "kind": [None if n % 5 == 0 else n % 3 for n in range(count)],
            "label": [["a", "b", None][n % 3] for n in range(count)],
            "value": [float(n) if n % 7 else None for n in range(count)],
            "at": pd.to_datetime([f"2026-01-{1 + n % 28:02d} 10:00" for n in range(count)]),
        }
    )

    def build() -> list[Any]:
        kind, label = Column("kind"), Column("label")
        return [
            gxe.ExpectColumnValuesToNotBeNull(column="value", row_condition=kind != 1),
            gxe.ExpectColumnValuesToBeInSet(
                column="label", value_set=["a"], row_condition=kind.is_not_in([0])
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="value", min_value=30, max_value=50, strict_min=True, strict_max=True
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="at",
                max_value=dt.datetime(2026, 1, 20, 10),
                row_condition=label.is_in(["a", "b"]) & kind.is_not_null(),
            ),
            gxe.ExpectColumnMeanToBeBetween(
                column="value", max_value=100, row_condition=(kind == 2) | label.is_null()
            ),
            gxe.ExpectColumnMeanToBeBetween(column="value", min_value=0, row_condition=kind > 5),
            gxe.ExpectTableRowCountToBeBetween(min_value=count, max_value=count),
        ]

    result = validate_both("conditions", frame, build)
    # in GX's order: grouped by column
    passed = [item.passed for item in result.results]
    assert passed == [False, False, True, False, False, False, True]
    between = result.results[1]
    assert between.observed.startswith("35 of 60 rows unexpected, e.g. 1, 2, 3")  # > SAMPLE_ROWS
    assert between.threshold == "in [30, 50]"


def test_an_expectation_without_duckdb_evaluation_is_refused() -> None:
    import great_expectations.expectations as gxe

    con = duckdb.connect()
    with pytest.raises(NotImplementedError, match="expect_column_values_to_be_unique"):
        validate_in_duckdb(
            "unique",
            con,
            "select 1 as id",
            [],
            lambda: [gxe.ExpectColumnValuesToBeUnique(column="id")],
        )
