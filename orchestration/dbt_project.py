"""The dbt project handle. Nothing else in the code base locates dbt files or reads manifest.json.

``prepare_if_dev`` parses the project under ``dagster dev``; the CLI and the tests call
``prepare_manifest`` before importing the definitions.
"""

from dagster_dbt import DbtProject

from orchestration.lib.settings import DBT_PROJECT_DIR, Settings

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target=Settings.from_env().dbt_target,
)
dbt_project.prepare_if_dev()


def prepare_manifest() -> None:
    """Parses the dbt project into ``target/manifest.json`` (picks up analysts' SQL edits)."""
    Settings.from_env().export()
    dbt_project.preparer.prepare(dbt_project)
