"""Pruning of the per-invocation dbt target folders that dagster-dbt leaves behind.

dagster-dbt gives every ``dbt`` invocation its own target folder,
``dbt_project/target/<op>-<run id>-<random>/`` (compiled SQL, ``run_results.json``,
``manifest.json``, about 13 MB for this project), and never removes it. A daily schedule
would grow ``target/`` without end, so each build keeps only the newest few.
"""

import shutil
import time
from pathlib import Path

# a folder younger than this may belong to a build still running on another warehouse that
# shares the project folder: never removed, however many newer folders there are
MIN_AGE_SECONDS = 3600.0


def prune_invocation_targets(
    target_dir: Path,
    prefix: str,
    keep: int,
    current: Path | None = None,
    now: float | None = None,
) -> list[Path]:
    """Removes the ``<prefix>-*`` folders of ``target_dir`` beyond the ``keep`` newest.

    The newest are those last modified; ``current`` (this invocation's folder) and folders
    modified within ``MIN_AGE_SECONDS`` of ``now`` are always kept. Returns the removed folders.

    Raises:
        ValueError: When ``keep`` is negative.
    """
    if keep < 0:
        raise ValueError(f"keep must be >= 0, got {keep}")
    now = time.time() if now is None else now
    folders = sorted(
        (path for path in target_dir.glob(f"{prefix}-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    current_resolved = current.resolve() if current is not None else None
    removed = []
    for folder in folders[keep:]:
        if folder.resolve() == current_resolved:
            continue
        if now - folder.stat().st_mtime < MIN_AGE_SECONDS:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
