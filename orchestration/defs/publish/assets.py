"""The publish step of write–audit–publish: checked candidates become the ``marts`` BI reads.

One published asset per mart model, ``["marts", name]``, downstream of its candidate
``["marts_candidate", name]``. The step runs only when every upstream step succeeded and no
blocking check failed (dbt tests and the GX mart suites are blocking), and it publishes all
marts in one transaction (``orchestration/lib/publish.py``).
"""

import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.dbt_project import dbt_project
from orchestration.lib.faults import fault_point
from orchestration.lib.publish import (
    CANDIDATE_SCHEMA,
    PUBLISHED_SCHEMA,
    TOUCHED_USERS_VIEW,
    RowRange,
    publish_marts,
)

PUBLISH_GROUP = "marts"


def candidate_marts() -> dict[str, dict[str, Any]]:
    """The models dbt builds into the candidate schema (the marts folder), from the manifest,
    each with its ``meta`` (``publish_unit: user_key``: published by user, with
    ``publish_range`` when only part of a touched user's rows is replaced)."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return {
        node.get("alias") or node["name"]: node["config"].get("meta", {})
        for node in sorted(manifest["nodes"].values(), key=lambda node: node["name"])
        if node["resource_type"] == "model" and node.get("schema") == CANDIDATE_SCHEMA
    }


MART_META = candidate_marts()
MARTS = sorted(MART_META)
PUBLISHED_BY_USER: dict[str, RowRange | None] = {
    name: RowRange(**meta["publish_range"]) if "publish_range" in meta else None
    for name, meta in MART_META.items()
    if meta.get("publish_unit") == "user_key"
}
# the view of the users whose rows the by-user publication replaces (dbt's audit folder)
USERS_UNPUBLISHED = dg.AssetKey(TOUCHED_USERS_VIEW.split("."))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            [PUBLISHED_SCHEMA, name],
            deps=[dg.AssetKey([CANDIDATE_SCHEMA, name])]
            + ([USERS_UNPUBLISHED] if name in PUBLISHED_BY_USER else []),
            description=f"Published copy of {CANDIDATE_SCHEMA}.{name}, replaced only after "
            "every blocking check of the build passed. BI tools read this table.",
            group_name=PUBLISH_GROUP,
            kinds={"duckdb"},
        )
        for name in MARTS
    ],
    # unpartitioned, but a run over a range of landing partitions publishes once
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def publish_marts_asset(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource
) -> Iterator[dg.MaterializeResult]:
    """Copies every checked candidate mart into ``marts`` in one transaction."""
    fault_point("before_publish")
    with warehouse.get_connection() as con:
        publication = publish_marts(con, MARTS, context.run.run_id, by_user=PUBLISHED_BY_USER)
    context.log.info(
        f"published {len(publication.row_counts)} marts (publication "
        f"{publication.publication_id}, landings through {publication.landed_through};"
        f" {sum(publication.rows_copied.values()):,} rows written)"
    )
    for name, rows in publication.row_counts.items():
        yield dg.MaterializeResult(
            asset_key=[PUBLISHED_SCHEMA, name],
            metadata={
                "rows": rows,
                "rows_written": publication.rows_copied[name],
                "publication_id": publication.publication_id,
                "landed_through": str(publication.landed_through),
            },
        )
