"""The dbt project handle. Nothing else in the code base locates dbt files or reads manifest.json.

``prepare_if_dev`` parses the project under ``dagster dev``; the CLI and the tests call
``prepare_manifest`` before importing the definitions.
"""

import hashlib
from pathlib import Path

from dagster_dbt import DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

from orchestration.lib.custom_dimensions import sync_contracts
from orchestration.lib.settings import DBT_PROJECT_DIR, SEEDS_DIR, Settings

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target=Settings.from_env().dbt_target,
)
if using_dagster_dev():
    sync_contracts()
dbt_project.prepare_if_dev()

_GENERATED_DIRS = {"target", "logs", "dbt_packages"}


def inputs_fingerprint() -> str:
    """A hash of every dbt and seed file's path and content: what the manifest is parsed from."""
    digest = hashlib.sha256()
    sources = [
        path
        for path in DBT_PROJECT_DIR.rglob("*")
        if path.is_file()
        and path.name != ".user.yml"
        and not _GENERATED_DIRS & set(path.relative_to(DBT_PROJECT_DIR).parts)
    ]
    sources += [path for path in SEEDS_DIR.rglob("*") if path.is_file()]
    for path in sorted(sources):
        digest.update(str(path.relative_to(DBT_PROJECT_DIR.parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _fingerprint_path() -> Path:
    return dbt_project.manifest_path.with_name("manifest.inputs.sha256")


def manifest_is_stale() -> bool:
    """Whether manifest.json was parsed from other dbt or seed files than those on disk now.

    A content fingerprint, not modification times: a parse that ran while files were being
    edited must not pass for up to date.
    """
    fingerprint = _fingerprint_path()
    if not dbt_project.manifest_path.exists() or not fingerprint.exists():
        return True
    return fingerprint.read_text().strip() != inputs_fingerprint()


def prepare_manifest(force: bool = False) -> None:
    """Parses the dbt project into ``target/manifest.json`` when a dbt or seed file changed.

    Raises:
        CustomDimensionError: when seeds/custom_dimensions.csv has an invalid row.

    Args:
        force: Parse even when the manifest looks up to date.
    """
    sync_contracts()  # custom dimensions of the seed -> mart contracts, before parsing
    if force or manifest_is_stale():
        fingerprint = inputs_fingerprint()  # taken before parsing: a later edit re-parses
        Settings.from_env().export()
        dbt_project.preparer.prepare(dbt_project)
        _fingerprint_path().write_text(fingerprint)
