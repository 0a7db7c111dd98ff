"""Materialization metadata of a warehouse table: what the Dagster UI shows on its page.

Every landed table and published mart reports its row count (``dagster/row_count``, which the
UI shows beside the asset) and the time its rows cover (``time_range``); a published mart whose
rows are not user-level (no ``user_key`` column: the ``agg_`` marts) also a preview of a few
rows (``preview``, a markdown table). User-level rows stay out of the Dagster event log, which
``forget`` does not reach. The numbers come from ``usage_analytics/warehouse/profile.py``.

The dbt models' own materializations carry dagster-dbt's metadata only: its
``fetch_row_counts()`` queries each table from this process while the ``dbt build`` child
still writes the DuckDB file, which DuckDB's one-writer lock refuses.
"""

from typing import Any

import dagster as dg
import duckdb

from usage_analytics.warehouse.profile import profile_table
from usage_analytics.warehouse.schema import has_relation

USER_LEVEL_COLUMN = "user_key"


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    *,
    preview: bool = False,
    row_count: int | None = None,
) -> dict[str, Any]:
    """The metadata of ``schema.table``: row count, time range and, when asked for and the
    rows are not user-level, a preview."""
    show_rows = preview and not has_relation(con, f"{schema}.{table}", USER_LEVEL_COLUMN)
    profile = profile_table(con, schema, table, preview=show_rows, row_count=row_count)
    metadata: dict[str, Any] = {"dagster/row_count": dg.MetadataValue.int(profile.row_count)}
    if profile.time_range is not None:
        metadata["time_range"] = dg.MetadataValue.text(profile.time_range.describe())
    if profile.preview is not None:
        metadata["preview"] = dg.MetadataValue.md(profile.preview)
    return metadata
