"""Shared fixtures: running the real command line against temporary folders and warehouses."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

import __main__

# pytest-xdist starts its workers with `python -c`: a __main__ without __file__ or __spec__,
# which pyspark.sql.connect (imported by Great Expectations once pyspark, the `spark` extra, is
# installed) takes for a doctest run and answers with sys.exit(0), failing GX's import.
if getattr(__main__, "__spec__", None) is None and not hasattr(__main__, "__file__"):
    __main__.__file__ = "<pytest-xdist worker>"

REPO_ROOT = Path(__file__).resolve().parents[1]
# `python -m orchestration.cli` from the repository root runs this checkout's code (the same
# entry point as the installed `usage-analytics` script).
CLI = [sys.executable, "-m", "orchestration.cli"]


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    """Runs ``usage-analytics`` as a user would, in a subprocess (of the checkout at ``cwd``)."""
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        check=False,
    )


def copy_project(destination: Path) -> Path:
    """A copy of the project's code, dbt project and seeds (no data, no build artefacts), for
    tests that edit what analysts edit."""
    ignore = shutil.ignore_patterns("target", "logs", "__pycache__", "*.duckdb*", "sample")
    for name in (
        "orchestration",
        "usage_analytics",
        "event_generator",
        "expectations",
        "dbt_project",
        "seeds",
    ):
        shutil.copytree(REPO_ROOT / name, destination / name, ignore=ignore)
    return destination


def write_events(path: Path, events: Iterable[dict[str, object]]) -> Path:
    """Writes events as NDJSON, one object per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return path


def query(warehouse: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    """Runs a read-only query on a warehouse file."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# Append-only logs of runs: they grow with every run by design, so "a second run changes no
# row count" is about every other table.
RUN_LOG_TABLES = frozenset({"audit.gate_results", "audit.publications"})


def table_counts(warehouse: Path, *, include_run_logs: bool = False) -> dict[str, int]:
    """Row count of every table of every schema (run logs left out unless asked for)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{name}": con.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
            for schema, name in tables
            if include_run_logs or f"{schema}.{name}" not in RUN_LOG_TABLES
        }
    finally:
        con.close()


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test writes the repository's data/warehouse.duckdb, nor records its runs in the
    repository's Dagster instance (.dagster_home)."""
    os.environ["USAGE_ANALYTICS_WAREHOUSE"] = str(
        tmp_path_factory.mktemp("default") / "warehouse.duckdb"
    )
    os.environ["USAGE_ANALYTICS_EPHEMERAL_INSTANCE"] = "1"


def schema_fingerprint(
    warehouse: Path, schema: str = "marts", exclude_columns: Iterable[str] = ()
) -> dict[str, str]:
    """A content hash of every table of ``schema``: its rows, sorted, and its column names.

    Two warehouses (or one before and after a run) have equal fingerprints exactly when every
    table holds the same rows, whatever order they were written in. ``exclude_columns`` are
    left out of every table (lineage such as ``load_id`` that differs between histories).
    """
    excluded = set(exclude_columns)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                [schema],
            ).fetchall()
        ]
        fingerprints = {}
        for table in tables:
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if row[0] not in excluded
            ]
            selected = ", ".join(f'"{column}"' for column in columns)
            cursor = con.execute(f'select {selected} from {schema}."{table}"')
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.sha256(repr(columns).encode())
            for row in rows:
                digest.update(row.encode())
            fingerprints[table] = digest.hexdigest()
        return fingerprints
    finally:
        con.close()


def hits(warehouse: Path, needles: list[str], skip: tuple[str, ...] = ()) -> list[str]:
    """Every ``schema.table.column`` of every table whose text contains one of ``needles``
    (ignoring case), ``skip`` naming the ``schema.table``s or ``schema.table.column``s to leave
    out."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as warehouse (read_only)", [str(warehouse)])
        con.execute("create table needles as select unnest(?::varchar[]) as needle", [needles])
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = 'warehouse'"
        ).fetchall()
        found = []
        for schema, table, column in columns:
            if f"{schema}.{table}" in skip or f"{schema}.{table}.{column}" in skip:
                continue
            found += [
                f"{schema}.{table}.{column}: {needle}"
                for (needle,) in con.execute(
                    f'select distinct needle from warehouse.{schema}."{table}" '
                    "inner join needles"
                    f' on contains(lower(cast("{column}" as varchar)), lower(needle))'
                ).fetchall()
            ]
        return sorted(found)
    finally:
        con.close()


@pytest.fixture(scope="session")
def published_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample, run once for the whole session (built by the first pytest-xdist
    worker that asks, under a file lock; the others reuse it): the warehouse and its serving
    copy beside it (``warehouse.serving.duckdb``), for tests that only read published marts
    (report, semantic layer, BI clients). Tests must not write to it."""
    base = tmp_path_factory.getbasetemp()
    # under pytest-xdist every worker has its own base folder inside the session's
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "published_sample"
    shared.mkdir(exist_ok=True)
    warehouse = shared / "warehouse.duckdb"
    with FileLock(shared / "build.lock"):
        if not (shared / "built").is_file():
            result = run_cli("run", "--warehouse", str(warehouse))
            assert result.returncode == 0, result.stdout + result.stderr
            (shared / "built").write_text(result.stdout, encoding="utf-8")
    return warehouse
