"""The dbt project handle. Nothing else in the code base locates dbt files or reads manifest.json.

``prepare_if_dev`` parses the project under ``dagster dev``; the CLI and the tests call
``prepare_manifest`` before importing the definitions.
"""

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


def manifest_is_stale() -> bool:
    """Whether any dbt or seed file changed after manifest.json was written."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    sources = [
        path
        for path in DBT_PROJECT_DIR.rglob("*")
        if path.is_file() and not _GENERATED_DIRS & set(path.relative_to(DBT_PROJECT_DIR).parts)
    ]
    sources += [path for path in SEEDS_DIR.rglob("*") if path.is_file()]
    return any(path.stat().st_mtime > written for path in sources)


def prepare_manifest(force: bool = False) -> None:
    """Parses the dbt project into ``target/manifest.json`` when a dbt or seed file changed.

    Raises:
        CustomDimensionError: when seeds/custom_dimensions.csv has an invalid row.

    Args:
        force: Parse even when the manifest looks up to date.
    """
    sync_contracts()  # custom dimensions of the seed -> mart contracts, before parsing
    if force or manifest_is_stale():
        Settings.from_env().export()
        dbt_project.preparer.prepare(dbt_project)
