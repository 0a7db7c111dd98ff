"""Benchmark: a full build of days 1..D against landing day D+1 and building incrementally.

    .venv/bin/python benchmarks/incremental_vs_full.py [--users 50000] [--days 90] [--seed 1]

1. ``usage-analytics generate`` writes D+1 days of events (one folder per day received);
2. the first D day folders are copied into a landing folder and ``usage-analytics run``
   builds a new warehouse from them: the full build (landing included);
3. the rest (day D+1, and late arrivals received after it) is copied in and
   ``usage-analytics run`` lands it and builds incrementally;
4. with ``--check``, a copy of that warehouse is rebuilt with ``--full-refresh`` and its marts
   are compared with the incremental ones (``except all`` both ways), and that time reported.

Prints both wall times and their ratio, and writes them with the sizes to
``benchmarks/results/incremental_vs_full-<users>u-<days>d.json``.
"""

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from compare_marts import compare_marts  # beside this script

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "benchmarks" / "results"


STEP_TIMES: list[dict[str, float]] = []  # the step times of each run, from its summary


def step_seconds(summary: str) -> dict[str, float]:
    """The ``steps`` line of a run's summary (``  steps  dbt_models 60.1s, ...``) as a mapping."""
    for line in summary.splitlines():
        if line.startswith("  steps "):
            return {
                step: float(seconds.rstrip("s"))
                for step, seconds in (item.split() for item in line.split(None, 1)[1].split(", "))
            }
    return {}


def cli(*args: str) -> float:
    """Runs ``usage-analytics`` from this checkout; returns its wall time in seconds and keeps
    its step times in STEP_TIMES."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    STEP_TIMES.append(step_seconds(completed.stdout))
    if completed.returncode != 0:
        sys.exit(
            f"usage-analytics {args[0]} failed:\n"
            f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )
    return seconds


def dbt_timings(warehouse: Path, top: int = 12) -> dict[str, object]:
    """Where the warehouse's last ``dbt build`` spent its time: its elapsed seconds, the summed
    seconds of models, unit tests and data tests, and the slowest models (from the
    run_results.json in the warehouse's dbt target folder, ``<warehouse>.dbt``)."""
    run_results = warehouse.with_name(warehouse.name + ".dbt") / "run_results.json"
    if not run_results.exists():
        return {}
    results = json.loads(run_results.read_text(encoding="utf-8"))
    nodes = results["results"]

    def total(prefix: str) -> float:
        return round(
            sum(n["execution_time"] for n in nodes if n["unique_id"].startswith(prefix)), 1
        )

    models = sorted(
        (n for n in nodes if n["unique_id"].startswith("model.")),
        key=lambda n: -n["execution_time"],
    )
    return {
        "dbt_elapsed_seconds": round(results["elapsed_time"], 1),
        "models_seconds": total("model."),
        "unit_tests_seconds": total("unit_test."),
        "data_tests_seconds": total("test."),
        "slowest_models": {
            n["unique_id"].split(".")[-1]: round(n["execution_time"], 2) for n in models[:top]
        },
    }


def write_result(name: str, result: dict[str, object]) -> None:
    """Writes a benchmark's figures as ``benchmarks/results/<name>``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / name
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")


def day_folders(events: Path) -> list[Path]:
    """The generator's day folders (``YYYY/MM/DD``), in date order."""
    return sorted(path for path in events.glob("*/*/*") if path.is_dir())


def copy_days(days: list[Path], source: Path, landing: Path) -> None:
    for folder in days:
        shutil.copytree(folder, landing / folder.relative_to(source), dirs_exist_ok=True)


def count(warehouse: Path, sql: str) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return int(con.execute(sql).fetchall()[0][0])
    finally:
        con.close()


def marts_differences(left: Path, right: Path) -> dict[str, int]:
    """Rows in one warehouse's marts and not the other's, per table (non-zero only)."""
    return {
        table.table: table.only_before + table.only_after
        for table in compare_marts(left, right)
        if table.differs
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=90, help="days in the full build")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="also full-refresh and compare")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="incremental_vs_full-"))
    work.mkdir(parents=True, exist_ok=True)
    generated, landing = work / "generated", work / "landing"
    warehouse = work / "warehouse.duckdb"
    for path in (generated, landing):
        shutil.rmtree(path, ignore_errors=True)
    for path in work.glob("*.duckdb*"):
        path.unlink()

    generate_seconds = cli(
        "generate",
        "--out",
        str(generated),
        "--users",
        str(args.users),
        "--days",
        str(args.days + 1),
        "--seed",
        str(args.seed),
    )
    # folders are per received day: day D+1 and the late arrivals received after it are held back
    days = day_folders(generated)
    landed_first, held_back = days[: args.days], days[args.days :]
    copy_days(landed_first, generated, landing)
    print(
        f"generated {len(days)} day folders in {generate_seconds:.1f}s;"
        f" holding back {'/'.join(held_back[0].parts[-3:])} and {len(held_back) - 1} later"
    )

    full_seconds = cli("run", "--events", str(landing), "--warehouse", str(warehouse))
    full_steps = STEP_TIMES[-1]
    full_dbt = dbt_timings(warehouse)
    events_full = count(warehouse, "select count(*) from marts.fct_events")
    print(f"full build of {args.days} days: {full_seconds:.1f}s ({events_full:,} events)")

    copy_days(held_back, generated, landing)
    incremental_seconds = cli("run", "--events", str(landing), "--warehouse", str(warehouse))
    incremental_steps = STEP_TIMES[-1]
    incremental_dbt = dbt_timings(warehouse)
    events_after = count(warehouse, "select count(*) from marts.fct_events")
    landed_last = events_after - events_full
    print(
        f"incremental run for day {args.days + 1}: {incremental_seconds:.1f}s"
        f" (+{landed_last:,} events)"
    )
    ratio = incremental_seconds / full_seconds
    print(f"ratio incremental / full: {ratio:.3f} (target <= 0.15)")

    result: dict[str, object] = {
        "benchmark": "incremental_vs_full",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "users": args.users,
        "days_full": args.days,
        "seed": args.seed,
        "events_after_full": events_full,
        "events_added_by_incremental": landed_last,
        "users_in_dim_users": count(warehouse, "select count(*) from marts.dim_users"),
        "sessions": count(warehouse, "select count(*) from marts.fct_sessions"),
        "raw_event_lines": count(warehouse, "select count(*) from raw.events"),
        "full_seconds": round(full_seconds, 1),
        "incremental_seconds": round(incremental_seconds, 1),
        "ratio": round(ratio, 3),
        "target_ratio": 0.15,
        "full_steps_seconds": full_steps,
        "incremental_steps_seconds": incremental_steps,
        "full_dbt": full_dbt,
        "incremental_dbt": incremental_dbt,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    if args.check:
        rebuilt = work / "full_refresh.duckdb"
        shutil.copyfile(warehouse, rebuilt)
        refresh_seconds = cli(
            "run", "--events", str(landing), "--warehouse", str(rebuilt), "--full-refresh"
        )
        differing = marts_differences(warehouse, rebuilt)
        print(
            f"full refresh of {args.days + 1} days: {refresh_seconds:.1f}s;"
            f" differing marts: {differing}"
        )
        result["full_refresh_seconds_all_days"] = round(refresh_seconds, 1)
        result["full_refresh_dbt"] = dbt_timings(rebuilt)
        result["ratio_to_full_refresh"] = round(incremental_seconds / refresh_seconds, 3)
        print(f"ratio incremental / full refresh: {incremental_seconds / refresh_seconds:.3f}")
        result["marts_differing_from_full_refresh"] = differing

    write_result(f"incremental_vs_full-{args.users}u-{args.days}d.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
