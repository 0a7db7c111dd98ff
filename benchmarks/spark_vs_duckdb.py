"""Benchmark: ``dbt build`` of the whole project on DuckDB and on Spark, on the same events.

    .venv/bin/python benchmarks/spark_vs_duckdb.py [--events FOLDER]   # default: bundled sample

1. ``usage-analytics run`` lands the events into a new DuckDB warehouse (and builds it once);
2. its raw layer is exported as Parquet (``usage_analytics/spark/raw_export.py``);
3. ``usage-analytics-dbt build --full-refresh`` on the ``duckdb`` target, then
   ``usage-analytics-dbt build`` on the ``spark`` target (local pyspark, fresh metastore), both
   without the dbt unit tests, each timed as a whole process and with its slowest models.

Writes ``benchmarks/results/spark-<events folder name>.json``. Spark in local mode on two cores
pays a JVM start and per-query planning that a cluster pays too but spreads over more data:
read the figures as the cost of running the same project there, not as a cluster's speed.
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "benchmarks" / "results"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO_ROOT))

from usage_analytics.spark.raw_export import export_raw_layer  # noqa: E402
from usage_analytics.spark.runtime import SparkFiles  # noqa: E402


def dbt_build(target: str, work: Path, env: dict[str, str], *extra: str) -> dict[str, object]:
    """Times ``usage-analytics-dbt build`` on ``target``; its slowest models from run_results."""
    target_path = work / f"target-{target}"
    started = time.perf_counter()
    result = subprocess.run(
        [
            str(BIN / "usage-analytics-dbt"),
            "build",
            "--target",
            target,
            "--exclude-resource-type",
            "unit_test",
            "--target-path",
            str(target_path),
            *extra,
        ],
        cwd=REPO_ROOT / "dbt_project",
        env={
            **os.environ,
            **env,
            "USAGE_ANALYTICS_DBT_TARGET": target,
            "DBT_LOG_PATH": str(work / f"logs-{target}"),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    models = {
        item["unique_id"].split(".")[-1]: round(item["execution_time"], 2)
        for item in results
        if item["unique_id"].startswith("model.")
    }
    return {
        "seconds": round(seconds, 1),
        "success": result.returncode == 0,
        "nodes": len(results),
        "models_seconds": round(sum(models.values()), 1),
        "slowest_models": dict(sorted(models.items(), key=lambda item: -item[1])[:8]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=Path, default=None, help="landing folder (sample)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spark-bench-") as folder:
        work = Path(folder)
        warehouse = work / "warehouse.duckdb"
        run = [str(BIN / "usage-analytics"), "run", "--warehouse", str(warehouse), "--quiet"]
        if args.events:
            run += ["--events", str(args.events)]
        subprocess.run(run, cwd=REPO_ROOT, check=True)
        spark_files = SparkFiles.of_warehouse(warehouse)  # where a run keeps them
        with duckdb.connect(str(warehouse), read_only=True) as con:
            counts = export_raw_layer(con, spark_files.raw)
        duck = dbt_build(
            "duckdb", work, {"USAGE_ANALYTICS_WAREHOUSE": str(warehouse)}, "--full-refresh"
        )
        spark = dbt_build("spark", work, spark_files.environment())
    name = args.events.name if args.events else "sample"
    figures = {
        "benchmark": "spark_vs_duckdb",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "events": name,
        "raw_rows": counts,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "duckdb": duck,
        "spark": spark,
        "spark_over_duckdb": round(spark["seconds"] / duck["seconds"], 2),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"spark-{name}.json"
    out.write_text(json.dumps(figures, indent=1) + "\n")
    print(
        f"dbt build: duckdb {duck['seconds']} s, spark {spark['seconds']} s "
        f"({figures['spark_over_duckdb']}x); {out}"
    )


if __name__ == "__main__":
    main()
