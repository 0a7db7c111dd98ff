"""``export``: the published marts of the serving copy as files, for tools that read files
(usage_analytics/publishing/export.py)."""

import argparse

from orchestration.commands.build import path_option
from orchestration.output import fail

EXPORT_FORMATS = ("parquet",)


def export(args: argparse.Namespace) -> int:
    """Writes every published mart of the serving copy into ``--out`` as ``<mart>.parquet``,
    with ``manifest.json`` (the publication id and each mart's row count).

    Exit codes: 0 written; 2 nothing written (a bad setting, no serving copy yet, an ``--out``
    that cannot be written). It reads only the serving copy, so it never waits for a run.
    """
    from orchestration.defs.resources import Warehouse, from_env
    from usage_analytics.publishing.export import ExportError, export_marts

    try:
        warehouse = from_env("warehouse", Warehouse, **path_option("database", args.warehouse))
        result = export_marts(warehouse.serving_path, args.out.expanduser().resolve())
    except (ValueError, ExportError) as error:
        return fail("export", error, 2)
    print(
        f"usage-analytics export: {len(result.row_counts)} marts of publication"
        f" {result.publication_id} ({sum(result.row_counts.values()):,} rows) written to"
        f" {result.out_dir} as {args.format}; manifest {result.manifest}"
    )
    return 0
