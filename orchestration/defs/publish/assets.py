"""The publish step of write–audit–publish: checked candidates become the ``marts`` BI reads.

One published asset per mart model, ``["marts", name]``, downstream of its candidate
``["marts_candidate", name]``. The step runs only when every upstream step succeeded and no
blocking check failed, and it publishes all marts in one transaction
(``usage_analytics/publishing/marts.py``), then writes them to the serving copy BI tools open
(``usage_analytics/publishing/serving.py``). Which models are marts, and which of them are
published by user, comes from the dbt assets' own specs (the translator carries the models'
``publish_unit`` and ``publish_range`` meta).
"""

from collections.abc import Iterator, Mapping

import dagster as dg

from orchestration.defs.resources import DbtBuild, Warehouse
from orchestration.table_metadata import table_metadata
from usage_analytics.faults import fault_point
from usage_analytics.publishing.marts import (
    CANDIDATE_SCHEMA,
    PUBLISHED_SCHEMA,
    TOUCHED_USERS_VIEW,
    RowRange,
    publish_marts,
)
from usage_analytics.publishing.serving import write_serving_copy
from usage_analytics.quality.gates import gate_rows_of_run, gates_of

PUBLISH_GROUP = "marts"
# the view of the users whose rows the by-user publication replaces (dbt's audit folder)
USERS_UNPUBLISHED = dg.AssetKey(TOUCHED_USERS_VIEW.split("."))


def published_by_user(metadata: Mapping[str, object]) -> tuple[bool, RowRange | None]:
    """Whether a mart is published by user (``publish_unit: user_key``), and its row range."""
    unit, row_range = (_value(metadata.get(key)) for key in ("publish_unit", "publish_range"))
    return unit == "user_key", RowRange(**row_range) if isinstance(row_range, dict) else None


def _value(value: object) -> object:
    return value.value if isinstance(value, dg.MetadataValue) else value


def build_publish_marts(dbt_models: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The publish asset of every model dbt builds into the candidate schema."""
    candidates = sorted(
        (spec for spec in dbt_models.specs if spec.key.path[0] == CANDIDATE_SCHEMA),
        key=lambda spec: spec.key.path[-1],
    )
    marts = [spec.key.path[-1] for spec in candidates]
    owners = {spec.key.path[-1]: list(spec.owners) for spec in candidates}  # the model's owners
    by_user: dict[str, RowRange | None] = {}
    for spec in candidates:
        is_by_user, row_range = published_by_user(spec.metadata)
        if is_by_user:
            by_user[spec.key.path[-1]] = row_range

    @dg.multi_asset(
        name="publish_marts_asset",
        specs=[
            dg.AssetSpec(
                [PUBLISHED_SCHEMA, name],
                deps=[dg.AssetKey([CANDIDATE_SCHEMA, name])]
                + ([USERS_UNPUBLISHED] if name in by_user else []),
                description=f"Published copy of {CANDIDATE_SCHEMA}.{name}, replaced only after "
                "every blocking check of the build passed. BI tools read this table.",
                group_name=PUBLISH_GROUP,
                kinds={"duckdb"},
                owners=owners[name],
            )
            for name in marts
        ],
        # unpartitioned, but a run over a range of landing partitions publishes once
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def publish_marts_asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, dbt_build: DbtBuild
    ) -> Iterator[dg.MaterializeResult]:
        """Copies every checked candidate mart into ``marts`` in one transaction, then replaces
        the serving copy BI tools read with a new file holding this publication, the gates
        it passed and the vars it was built with."""
        fault_point("before_publish")
        run_id = context.run.run_id
        gates = gates_of(gate_rows_of_run(context.instance, run_id))
        with warehouse.get_connection() as con:
            publication = publish_marts(con, marts, run_id, by_user=by_user)
            serving = write_serving_copy(
                con,
                warehouse.serving_path,
                marts,
                publication,
                run_id,
                gates=gates,
                settings=dbt_build.effective_vars(),
            )
            described = {  # row count, time range, preview (orchestration/table_metadata.py)
                name: table_metadata(con, PUBLISHED_SCHEMA, name, preview=True, row_count=rows)
                for name, rows in publication.row_counts.items()
            }
        context.log.info(
            f"published {len(publication.row_counts)} marts (publication "
            f"{publication.publication_id}, landings through {publication.landed_through};"
            f" {sum(publication.rows_copied.values()):,} rows written); serving copy {serving}"
        )
        for name, rows in publication.row_counts.items():
            yield dg.MaterializeResult(
                asset_key=[PUBLISHED_SCHEMA, name],
                metadata={
                    "rows": rows,
                    "rows_written": publication.rows_copied[name],
                    "publication_id": publication.publication_id,
                    "landed_through": str(publication.landed_through),
                    **described[name],
                },
            )

    return publish_marts_asset
