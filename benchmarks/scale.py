"""Benchmark: how big a day the warehouse builds on this machine, against tools that only
compute sessions.

    .venv/bin/python benchmarks/scale.py --size 10m [--work DIR] [--engines duckdb,chdb,...]

For one size of event set (``1m``, ``10m``, ``100m``: 10,900, 109,000 or 1,090,000 users over
90 days, seed 11, the 100M set gzipped), in one session, each measured as a fresh process:

1. ``usage-analytics generate --days 91`` writes the set under ``<work>/sets/`` once (into a
   ``.partial`` folder renamed when complete, so an interrupted generation is never reused);
   the folders of day 91 and of the late arrivals received after it are held back;
2. the baselines read days 1..90 straight from the NDJSON (``baselines.py``): the DuckDB floor,
   embedded ClickHouse (chdb), pandas and polars; each prints its session count;
3. ``usage-analytics run`` builds a new warehouse from days 1..90: the **full build**;
4. the held-back folders are put back and ``usage-analytics run`` lands and builds them: the
   **one-day increment**.

Each measurement records wall time and the peak resident memory of the process and all its
children (sampled with psutil every 0.1 s); the runs add their step times, dbt timings, lines
landed per second and the warehouse's size. The figures, the targets of issue 18 and whether
each holds go to ``benchmarks/results/scale-<size>.json``; the 100M targets compare with
``scale-10m.json`` when it exists. pandas and polars are left out of the 100m size by default:
they hold every event in memory (4.4 GiB at 10M), more than this machine has at 100M.
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
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from incremental_vs_full import count, day_folders, dbt_timings, write_result  # beside this script

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "benchmarks" / "results"
GIB = 1024**3
DAYS = 90  # days of the full build; one more is generated for the increment
SEED = 11
ENGINES = ("duckdb", "chdb", "pandas", "polars")


@dataclass(frozen=True)
class Size:
    """An event set: its users, whether it is gzipped, and the DuckDB memory limit of its
    runs (issue 18: 8 GB for 100M, the default for the others)."""

    users: int
    gzip: bool
    memory_limit: str | None
    engines: tuple[str, ...] = ENGINES

    def name(self) -> str:
        return f"{self.users}u-{DAYS + 1}d-s{SEED}" + ("-gz" if self.gzip else "")


SIZES = {
    "1m": Size(10_900, gzip=False, memory_limit=None),
    "10m": Size(109_000, gzip=False, memory_limit=None),
    "100m": Size(1_090_000, gzip=True, memory_limit="8GB", engines=("duckdb", "chdb")),
}


@dataclass(frozen=True)
class Measured:
    """One process measured: wall seconds, peak memory of its tree, what it printed."""

    seconds: float
    peak_rss_bytes: int
    stdout: str

    def figures(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 1),
            "peak_rss_gib": round(self.peak_rss_bytes / GIB, 2),
        }


def measure(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Runs ``command`` to its end, sampling the resident memory of it and its children.

    Raises:
        SystemExit: The command failed (with the end of its output).
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(process.pid)
        while not done.wait(0.1):
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(_rss(member) for member in tree))
            except psutil.NoSuchProcess:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return Measured(seconds, peak, stdout)


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.NoSuchProcess:
        return 0


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestration.cli", *args]


def event_set(work: Path, size: Size) -> Path:
    """The set's folder (``<name>/events``), generated unless a complete one is there."""
    folder = work / "sets" / size.name()
    if not folder.is_dir():
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        command = [
            "generate",
            "--out",
            str(partial / "events"),
            "--users",
            str(size.users),
            "--days",
            str(DAYS + 1),
            "--seed",
            str(SEED),
        ]
        seconds = measure(cli(*command, *(["--gzip"] if size.gzip else []))).seconds
        partial.rename(folder)
        print(f"generated {folder} in {seconds:.0f}s")
    return folder


def hold_back(folder: Path) -> list[str]:
    """Moves the day folders after day 90 (day 91 and the late arrivals received after it)
    from ``events`` to ``held-back``, after putting back any held back before; returns them."""
    put_back(folder)
    held = day_folders(folder / "events")[DAYS:]
    for day in held:
        target = folder / "held-back" / day.relative_to(folder / "events")
        target.parent.mkdir(parents=True, exist_ok=True)
        day.rename(target)
    return ["/".join(day.parts[-3:]) for day in held]


def put_back(folder: Path) -> None:
    """Moves the held-back day folders back into ``events``."""
    for day in day_folders(folder / "held-back"):
        target = folder / "events" / day.relative_to(folder / "held-back")
        target.parent.mkdir(parents=True, exist_ok=True)
        day.rename(target)


def baselines(events: Path, engines: list[str]) -> dict[str, dict[str, object]]:
    """Each engine of ``baselines.py`` on the events, in its own process."""
    results: dict[str, dict[str, object]] = {}
    for engine in engines:
        run = measure([sys.executable, "benchmarks/baselines.py", engine, str(events)])
        results[engine] = {**run.figures(), **json.loads(run.stdout)}
        print(
            f"  {engine:<7} {run.seconds:7.1f}s  {run.peak_rss_bytes / GIB:5.2f} GiB"
            f"  sessions {results[engine]['sessions']:,}"
        )
    return results


def project_run(events: Path, warehouse: Path, size: Size) -> dict[str, object]:
    """``usage-analytics run`` of the events into ``warehouse``, measured."""
    env = {"DAGSTER_HOME": tempfile.mkdtemp(prefix="scale-dagster-")}
    if size.memory_limit:
        env["USAGE_ANALYTICS_MEMORY_LIMIT"] = size.memory_limit
    run = measure(cli("run", "--events", str(events), "--warehouse", str(warehouse), "--json"), env)
    summary = json.loads(run.stdout)
    steps = summary["step_seconds"]
    lines = int(summary["landing"].get("count_lines", 0))
    serving = Path(summary["serving_copy"]) if summary.get("serving_copy") else None
    return {
        **run.figures(),
        "success": summary["success"],
        "steps_seconds": {step: round(seconds, 1) for step, seconds in steps.items()},
        "lines_landed": lines,
        "landing_lines_per_second": round(lines / steps["land_events"]) if lines else 0,
        "lines_per_second": round(lines / run.seconds),
        "mart_rows": summary["mart_rows"],
        "dbt": dbt_timings(warehouse),
        "warehouse_gb": round(warehouse.stat().st_size / 1e9, 2),
        "serving_copy_gb": round(serving.stat().st_size / 1e9, 2) if serving else None,
        "memory_limit": size.memory_limit or "default",
    }


def targets(size_name: str, result: dict[str, object]) -> dict[str, dict[str, object]]:
    """Issue 18's targets for this size, each with its figure and whether it holds."""
    full, increment = result["full_build"], result["increment"]
    floor = result["baselines"].get("duckdb", {}).get("seconds")
    checks: dict[str, tuple[float | None, str, float | None]] = {}
    if size_name == "100m":
        ten = RESULTS / "scale-10m.json"
        ten_m = json.loads(ten.read_text(encoding="utf-8")) if ten.exists() else None
        checks["full / 10M full"] = (
            _ratio(full["seconds"], ten_m and ten_m["full_build"]["seconds"]),
            "<=",
            12,
        )
        checks["increment / 10M increment"] = (
            _ratio(increment["seconds"], ten_m and ten_m["increment"]["seconds"]),
            "<=",
            2,
        )
        checks["full peak GiB"] = (full["peak_rss_gib"], "<", 10)
    else:
        pandas = result["baselines"].get("pandas", {}).get("seconds")
        checks["full / DuckDB floor"] = (_ratio(full["seconds"], floor), "<=", 4)
        checks["full / pandas"] = (_ratio(full["seconds"], pandas), "<", 1)
        checks["full peak GiB"] = (full["peak_rss_gib"], "<=", 4)
        checks["warehouse GB"] = (full["warehouse_gb"], "<=", 2)
        checks["landing lines/s"] = (full["landing_lines_per_second"], ">=", 250_000)
    checks["increment / full"] = (_ratio(increment["seconds"], full["seconds"]), "<=", 0.15)
    return {
        name: {
            "figure": figure,
            "target": f"{op} {limit}",
            "met": None if figure is None else _holds(figure, op, limit),
        }
        for name, (figure, op, limit) in checks.items()
    }


def _ratio(value: float, base: float | None) -> float | None:
    return None if not base else round(value / base, 3)


def _holds(figure: float, op: str, limit: float) -> bool:
    return {"<=": figure <= limit, "<": figure < limit, ">=": figure >= limit}[op]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="10m")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "benchmarks" / ".work")
    parser.add_argument("--engines", help="comma-separated baselines (default: the size's)")
    args = parser.parse_args()
    size = SIZES[args.size]
    engines = args.engines.split(",") if args.engines else list(size.engines)

    folder = event_set(args.work, size)
    held_back = hold_back(folder)
    events = folder / "events"
    print(f"{args.size}: days 1..{DAYS} of {folder}; held back {len(held_back)} day folder(s)")
    result: dict[str, object] = {
        "benchmark": "scale",
        "size": args.size,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "event_set": {"users": size.users, "days": DAYS, "seed": SEED, "gzip": size.gzip},
        "held_back": held_back,
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
            "python": platform.python_version(),
        },
    }
    print("baselines (days 1..90, straight from the NDJSON):")
    result["baselines"] = baselines(events, engines)

    runs = args.work / "runs" / args.size
    shutil.rmtree(runs, ignore_errors=True)
    runs.mkdir(parents=True)
    warehouse = runs / "warehouse.duckdb"
    full = project_run(events, warehouse, size)
    result["full_build"] = full
    sessions = count(warehouse, "select count(*) from marts.fct_sessions")
    full["fct_sessions"] = sessions
    print(
        f"  project {full['seconds']:7.1f}s  {full['peak_rss_gib']:5.2f} GiB"
        f"  fct_sessions {sessions:,} (stitched, deduplicated, 24 h cut)"
        f"  steps {full['steps_seconds']}"
    )

    put_back(folder)
    increment = project_run(events, warehouse, size)
    result["increment"] = increment
    print(
        f"one-day increment: {increment['seconds']:.1f}s, {increment['peak_rss_gib']:.2f} GiB,"
        f" {increment['lines_landed']:,} lines; steps {increment['steps_seconds']}"
    )
    result["targets"] = targets(args.size, result)
    for name, target in result["targets"].items():
        verdict = {True: "met", False: "NOT met", None: "no figure"}[target["met"]]
        print(f"  {name:<28} {target['figure']} (target {target['target']}): {verdict}")

    write_result(f"scale-{args.size}.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
