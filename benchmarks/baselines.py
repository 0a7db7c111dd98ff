"""What the warehouse is measured against: sessions and daily active users, computed straight
from the raw NDJSON by other tools, with no warehouse around them.

    .venv/bin/python benchmarks/baselines.py ENGINE FOLDER

ENGINE is one of ``duckdb`` (the floor: the fastest this machine reads and sessionizes the
events), ``chdb`` (embedded ClickHouse), ``pandas`` and ``polars`` (a notebook's way: parse
each line, sort, diff, cumulative sum, group by). FOLDER holds ``.ndjson`` or ``.ndjson.gz``
files at any depth. Every engine computes the same thing, on the same rules:

- a line that is not a JSON object, or lacks a user or a valid ISO timestamp, is skipped;
- the user is the first of ``user_id``, ``userId``, ``anonymous_id``, ``anonymousId`` (no
  identity stitching, no deduplication);
- a user's session starts at their first event and after a gap longer than 30 minutes;
- daily active users are the distinct users per UTC date.

Prints one JSON object: ``engine``, ``events``, ``sessions``, ``days`` and
``daily_active_users`` (the sum over days), so that ``scale.py`` can print the session counts
next to ``fct_sessions``'s (they differ by what the warehouse does more: stitching anonymous
activity to users, dropping re-sent copies, quarantining bad lines, the 24-hour cut). Each
engine runs in its own process (``scale.py`` times it and samples its memory); none of them
writes anything.
"""

import gzip
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

GAP_SECONDS = 30 * 60
USER_KEYS = ("user_id", "userId", "anonymous_id", "anonymousId")


def event_files(folder: Path) -> list[Path]:
    """The NDJSON files under ``folder``, plain or gzip."""
    return sorted(
        path
        for pattern in ("*.ndjson", "*.jsonl", "*.ndjson.gz", "*.jsonl.gz")
        for path in folder.rglob(pattern)
    )


def with_duckdb(files: list[Path]) -> dict[str, int]:
    import duckdb

    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    return _counts(
        con.execute(
            """
            with events as (
                select
                    coalesce(user_id, "userId", anonymous_id, "anonymousId") as user_key,
                    try_cast("timestamp" as timestamptz) as event_at
                from read_ndjson(
                    $files,
                    columns = {
                        user_id: 'varchar', "userId": 'varchar', anonymous_id: 'varchar',
                        "anonymousId": 'varchar', "timestamp": 'varchar'
                    },
                    ignore_errors = true
                )
            ),
            events_valid as (
                select user_key, event_at from events
                where user_key is not null and event_at is not null
            ),
            session_starts as (
                select
                    user_key,
                    event_at,
                    coalesce(
                        epoch(event_at) - epoch(lag(event_at) over (
                            partition by user_key order by event_at
                        )) > $gap,
                        true
                    ) as is_session_start
                from events_valid
            ),
            daily_active_users as (
                select cast(timezone('UTC', event_at) as date) as event_date,
                    count(distinct user_key) as users
                from events_valid
                group by 1
            )
            select
                (select count(*) from events_valid),
                (select count(*) from session_starts where is_session_start),
                (select count(*) from daily_active_users),
                (select sum(users) from daily_active_users)
            """,
            {"files": [str(path) for path in files], "gap": GAP_SECONDS},
        ).fetchone()
    )


def with_chdb(files: list[Path]) -> dict[str, int]:
    import chdb

    # file() reads a glob: every file under the common folder with the files' suffix (the
    # generator writes one kind), gzip decompressed by its extension; a bound parameter.
    folder = Path(os.path.commonpath([path.parent for path in files]))
    suffix = ".ndjson.gz" if files[0].name.endswith(".gz") else files[0].suffix
    user = ", ".join(f"nullIf(JSONExtractString(line, '{key}'), '')" for key in USER_KEYS)
    result = chdb.query(
        f"""
        with events as (
            select
                coalesce({user}) as user_key,
                parseDateTime64BestEffortOrNull(JSONExtractString(line, 'timestamp'), 3, 'UTC')
                    as event_at
            from file({{pattern:String}}, 'LineAsString')
            where isValidJSON(line)
        ),
        events_valid as (
            select user_key, event_at from events
            where user_key is not null and event_at is not null
        )
        select
            (select count() from events_valid),
            (select count() from (
                select
                    toUnixTimestamp64Milli(event_at) - toUnixTimestamp64Milli(lagInFrame(event_at)
                        over (
                            partition by user_key order by event_at
                            rows between unbounded preceding and current row
                        )) as gap_ms,
                    row_number() over (partition by user_key order by event_at) as event_number
                from events_valid
            ) where event_number = 1 or gap_ms > {GAP_SECONDS * 1000}),
            (select uniqExact(toDate(event_at)) from events_valid),
            (select count() from (
                select distinct toDate(event_at), user_key from events_valid
            ))
        """,
        "CSV",
        params={"pattern": f"{folder}/**/*{suffix}"},
    )
    return _counts(tuple(int(value) for value in str(result).strip().split(",")))


def _lines(files: list[Path]) -> Iterator[bytes]:
    for path in files:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as handle:
            yield from handle


def _user_and_time(line: bytes) -> tuple[str, str] | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    user = next((event[key] for key in USER_KEYS if event.get(key)), None)
    timestamp = event.get("timestamp")
    if not isinstance(user, str) or not isinstance(timestamp, str):
        return None
    return user, timestamp


def with_pandas(files: list[Path]) -> dict[str, int]:
    import pandas as pd

    rows = [row for row in map(_user_and_time, _lines(files)) if row is not None]
    frame = pd.DataFrame(rows, columns=["user_key", "timestamp"])
    frame["event_at"] = pd.to_datetime(
        frame["timestamp"], utc=True, errors="coerce", format="ISO8601"
    )
    frame = frame.dropna(subset=["event_at"]).sort_values(["user_key", "event_at"])
    gaps = frame.groupby("user_key", sort=False)["event_at"].diff().dt.total_seconds()
    frame["session_number"] = (
        (gaps.isna() | (gaps > GAP_SECONDS)).groupby(frame["user_key"]).cumsum()
    )
    daily = frame.groupby(frame["event_at"].dt.date)["user_key"].nunique()
    return _counts(
        (
            len(frame),
            int(frame.groupby("user_key")["session_number"].max().sum()),
            len(daily),
            int(daily.sum()),
        )
    )


def with_polars(files: list[Path]) -> dict[str, int]:
    import polars as pl

    rows = [row for row in map(_user_and_time, _lines(files)) if row is not None]
    frame = (
        pl.DataFrame(rows, schema=["user_key", "timestamp"], orient="row")
        .with_columns(
            pl.col("timestamp").str.to_datetime(time_zone="UTC", strict=False).alias("event_at")
        )
        .drop_nulls("event_at")
        .sort("user_key", "event_at")
        .with_columns(
            pl.col("event_at").diff().over("user_key").dt.total_microseconds().alias("gap")
        )
        .with_columns(
            (pl.col("gap").is_null() | (pl.col("gap") > GAP_SECONDS * 1_000_000)).alias(
                "is_session_start"
            )
        )
    )
    daily = frame.group_by(pl.col("event_at").dt.date()).agg(pl.col("user_key").n_unique())
    return _counts(
        (
            frame.height,
            int(frame["is_session_start"].sum()),
            daily.height,
            int(daily["user_key"].sum()),
        )
    )


ENGINES: dict[str, Callable[[list[Path]], dict[str, int]]] = {
    "duckdb": with_duckdb,
    "chdb": with_chdb,
    "pandas": with_pandas,
    "polars": with_polars,
}


def _counts(values: tuple) -> dict[str, int]:
    events, sessions, days, daily_active_users = (int(value) for value in values)
    return {
        "events": events,
        "sessions": sessions,
        "days": days,
        "daily_active_users": daily_active_users,
    }


def main() -> int:
    engine, folder = sys.argv[1], Path(sys.argv[2])
    print(json.dumps({"engine": engine, **ENGINES[engine](event_files(folder))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
