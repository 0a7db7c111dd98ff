"""The raw layer as Parquet, for engines that read files (the ``spark`` dbt target).

Landing writes the raw and audit tables into DuckDB (``usage_analytics/warehouse/schema.py``);
this writes the tables the dbt sources name (``dbt_project/models/.../_*__sources.yml``) into
``location`` as Parquet, the layout the Spark target registers as its sources
(``dbt_project/macros/spark_sources.sql``):

    <location>/events/arrival_date=2026-03-01/<file>.parquet   (Hive partitions, by landing day)
    <location>/identities/<file>.parquet
    <location>/load_manifest/..., quarantine/..., forget_requests/..., forgotten_identities/...

``arrival_date`` is the UTC date of ``loaded_at``: a day's landing batches add a partition, which
is how a cluster's object store (``s3a://``, ``gs://``, ``abfss://``; docs/spark.md) receives
them. JSON columns are written as their text (Spark reads JSON with ``get_json_object``).

Each export writes the whole layer into a sibling folder and then swaps it in, table by table
(``os.replace``): a reader sees each table whole, from this export or the previous one. A whole
export, not an append, because ``forget`` deletes rows from the raw tables and the files must
lose them too; at 10 million events it takes seconds (DuckDB streams the Arrow batches).
"""

import os
import shutil
import uuid
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq

# schema -> tables, as the dbt sources name them
SOURCE_TABLES: dict[str, tuple[str, ...]] = {
    "raw": ("events", "identities", "load_manifest"),
    "audit": ("quarantine", "forget_requests", "forgotten_identities"),
}
PARTITION_COLUMN = "arrival_date"
BATCH_ROWS = 100_000
WRITING_PREFIX = ".raw-export-"


def export_raw_layer(con: duckdb.DuckDBPyConnection, location: Path) -> dict[str, int]:
    """Writes every source table of the warehouse ``con`` holds into ``location`` as Parquet.

    Returns:
        The rows written per table (``schema.table``).
    """
    location.mkdir(parents=True, exist_ok=True)
    writing = location / f"{WRITING_PREFIX}{uuid.uuid4().hex}"
    counts: dict[str, int] = {}
    try:
        for schema, tables in SOURCE_TABLES.items():
            for table in tables:
                counts[f"{schema}.{table}"] = _write_table(con, schema, table, writing / table)
        for tables in SOURCE_TABLES.values():
            for table in tables:
                previous = location / table
                if previous.exists():
                    shutil.rmtree(previous)
                os.replace(writing / table, previous)
    finally:
        shutil.rmtree(writing, ignore_errors=True)
    return counts


def _write_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, folder: Path) -> int:
    """One table into ``folder`` (events partitioned by arrival date); its row count."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = $1 and table_name = $2 order by ordinal_position",
        [schema, table],
    ).fetchall()
    # names come from the catalog, quoted; JSON is written as its text
    select_list = [
        f'cast("{name}" as varchar) as "{name}"' if data_type == "JSON" else f'"{name}"'
        for name, data_type in columns
    ]
    partitioned = table == "events"
    if partitioned:
        select_list.append(f"cast(loaded_at as date) as {PARTITION_COLUMN}")
    query = f'select {", ".join(select_list)} from {schema}."{table}"'
    reader = con.sql(query).to_arrow_reader(BATCH_ROWS)
    written = 0

    def counted():  # noqa: ANN202 - a generator of Arrow record batches
        nonlocal written
        for batch in reader:
            written += batch.num_rows
            yield batch

    folder.mkdir(parents=True)
    ds.write_dataset(
        counted(),
        folder,
        schema=reader.schema,
        format="parquet",
        partitioning=[PARTITION_COLUMN] if partitioned else None,
        partitioning_flavor="hive" if partitioned else None,
        existing_data_behavior="overwrite_or_ignore",
        max_rows_per_group=BATCH_ROWS,
    )
    if not written:  # no file without rows: one empty file keeps the schema for the reader
        pq.write_table(reader.schema.empty_table(), folder / "empty.parquet")
    return written
