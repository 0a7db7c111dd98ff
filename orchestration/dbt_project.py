"""The dbt project handle and its translator. Nothing else locates dbt files or reads manifest.json.

The handle is built on first use and cached (as dagster-open-platform does), so importing this
module does nothing. ``usage-analytics`` calls ``prepare_manifest`` before it loads the
definitions; ``dagster dev`` parses through ``prepare_if_dev`` when it loads them. Both run the
dbt of this environment (``DBT_EXECUTABLE``), whatever PATH holds.
"""

import functools
import hashlib
import os
import sys
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject
from filelock import FileLock

from orchestration.check_descriptions import dbt_test_description
from orchestration.dbt_launcher import launcher_path
from usage_analytics.paths import DBT_PROJECT_DIR, SEEDS_DIR
from usage_analytics.spark.warehouse_copy import Column, ModelTable

_GENERATED_DIRS = {"target", "logs", "dbt_packages"}
# the dbt of this environment (constraints.txt), whether or not its folder is on PATH: dbt
# itself, through the entry point that also runs the Python model on a local Spark session
# (usage_analytics/spark/dbt_entry.py; plain dbt for every other target)
DBT_EXECUTABLE = str(Path(sys.executable).with_name("usage-analytics-dbt"))
# dbt `meta` keys the publish step reads from the mart models (see publish/assets.py)
PUBLISH_META_KEYS = ("publish_unit", "publish_range")
# the target the manifest Dagster reads is parsed for: the asset graph is the same on every
# target, and the steps Dagster runs itself (landing, gates, publication) use the DuckDB
# warehouse, whose contract types (JSON among them) the DuckDB rendering of the models gives
MANIFEST_TARGET = "duckdb"
PROFILE_NAME = "usage_analytics"
# profiles.yml targets that build nothing (dbt docs and `mf` on the serving copy)
READ_ONLY_TARGETS = ("serving",)


def dbt_child_executable() -> str:
    """What dagster-dbt runs as ``dbt``: ``DBT_EXECUTABLE`` started so that it dies with the
    process that starts it (orchestration/dbt_launcher.py)."""
    return launcher_path(DBT_EXECUTABLE)


@functools.cache
def dbt_project() -> DbtProject:
    """The dbt project, built once per process. It names no target: a build runs on the run's
    (``DbtBuild.target``), the manifest is parsed for ``MANIFEST_TARGET``."""
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


@functools.cache
def profile_targets() -> dict[str, str]:
    """The targets of ``profiles.yml`` and their adapter types (``duckdb``, ``spark``...)."""
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    outputs = profiles[PROFILE_NAME]["outputs"]
    return {str(name): str(output["type"]) for name, output in outputs.items()}


class UsageAnalyticsTranslator(DagsterDbtTranslator):
    """Asset keys ``[schema, name]``, groups by layer, and a description for every check.

    Keys match the warehouse tables (``["marts_candidate", "fct_events"]``) and the landing
    asset's ``["raw", "events"]`` that the dbt sources point at; groups are the layer folders
    (staging, intermediate, marts_candidate, audit, seeds). A model's ``publish_unit`` and
    ``publish_range`` meta become asset metadata, which the publish step reads. Owners are
    dagster-dbt's: ``meta.dagster.owners``, set for every model and seed in
    ``dbt_project.yml``. Each dbt test's check is described (``check_descriptions.py``).
    """

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        """The default spec, re-keyed, re-grouped, with the publish meta."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey([props["source_name"], props["name"]]))
        schema = props.get("schema") or "main"
        name = props.get("alias") or props["name"]
        meta = props.get("config", {}).get("meta", {})
        publish = {key: meta[key] for key in PUBLISH_META_KEYS if key in meta}
        return spec.replace_attributes(
            key=dg.AssetKey([schema, name]), group_name=schema
        ).merge_attributes(metadata=publish)

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        """The default check spec of a dbt test, described (dagster-dbt reads only
        ``meta.description``, which our tests do not set)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        test = self.get_resource_props(manifest, unique_id)
        return spec._replace(description=dbt_test_description(test, asset_spec.key.path[-1]))


def inputs_fingerprint() -> str:
    """A hash of every dbt and seed file's path and content, and of the target: what the
    manifest is parsed from."""
    digest = hashlib.sha256(MANIFEST_TARGET.encode())
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
    return dbt_project().manifest_path.with_name("manifest.inputs.sha256")


def manifest_is_stale() -> bool:
    """Whether manifest.json was parsed from other dbt or seed files than those on disk now.

    A content fingerprint, not modification times: a parse that ran while files were being
    edited must not pass for up to date.
    """
    fingerprint = _fingerprint_path()
    if not dbt_project().manifest_path.exists() or not fingerprint.exists():
        return True
    return fingerprint.read_text().strip() != inputs_fingerprint()


def prepare_if_dev() -> None:
    """Parses the project when the code location loads under ``dagster dev`` (which sets
    ``DAGSTER_IS_DEV_CLI``), with this environment's dbt.

    ``DbtProject.prepare_if_dev`` runs whatever ``dbt`` is first on PATH, so the code location
    failed to load unless the virtualenv was activated; ``prepare_manifest`` runs
    ``DBT_EXECUTABLE`` and skips the parse when no dbt or seed file changed.
    """
    if os.environ.get("DAGSTER_IS_DEV_CLI"):
        prepare_manifest()


def prepare_manifest(force: bool = False) -> None:
    """Parses the dbt project into ``target/manifest.json`` when a dbt or seed file changed.

    Two commands started at once (the first runs on a fresh clone, a test suite's workers)
    parse one after the other under a file lock, and the second finds the manifest fresh:
    dbt writing ``manifest.json`` from two processes at once left it corrupt.

    Args:
        force: Parse even when the manifest looks up to date.
    """
    if not (force or manifest_is_stale()):
        return
    project = dbt_project()
    project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(project.manifest_path.with_name("parse.lock")):
        if force or manifest_is_stale():
            fingerprint = inputs_fingerprint()  # taken before parsing: a later edit re-parses
            parse = DbtCliResource(project_dir=project, dbt_executable=dbt_child_executable())
            parse.cli(
                ["parse", "--quiet", "--target", MANIFEST_TARGET], target_path=project.target_path
            ).wait()
            _fingerprint_path().write_text(fingerprint)


def built_model_tables(
    manifest: Mapping[str, Any], unique_ids: Iterable[str], schemas: Collection[str]
) -> list[ModelTable]:
    """The models of ``unique_ids`` that dbt builds into ``schemas``, as the DuckDB warehouse
    holds them: relation name, view or table, enforced contract (DuckDB's column types and
    not-null constraints) and the descriptions ``persist_docs`` writes."""
    tables = []
    for unique_id in unique_ids:
        node = manifest["nodes"].get(unique_id)
        if node is None or node["resource_type"] != "model" or node["schema"] not in schemas:
            continue
        config = node["config"]
        contract = ()
        if config.get("contract", {}).get("enforced"):
            contract = tuple(
                Column(
                    name=name,
                    data_type=column["data_type"],
                    not_null=any(c["type"] == "not_null" for c in column.get("constraints", [])),
                )
                for name, column in node["columns"].items()
            )
        persist = config.get("persist_docs") or {}
        tables.append(
            ModelTable(
                schema=node["schema"],
                name=node.get("alias") or node["name"],
                view=config["materialized"] == "view",
                contract=contract,
                description=node["description"] if persist.get("relation") else None,
                column_descriptions={
                    name: column["description"] for name, column in node["columns"].items()
                }
                if persist.get("columns")
                else {},
            )
        )
    return tables
