"""How dbt nodes become Dagster assets.

Asset keys are ``[schema, name]`` (``["marts", "fct_events"]``), matching the warehouse tables and
the landing asset's ``["raw", "events"]`` that the dbt sources point at; groups are the layer
folders (staging, intermediate, marts, audit, seeds).
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject


class UsageAnalyticsTranslator(DagsterDbtTranslator):
    """Keys by schema and alias, groups by layer."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        """The default spec, re-keyed and re-grouped."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey([props["source_name"], props["name"]]))
        schema = props.get("schema") or "main"
        name = props.get("alias") or props["name"]
        return spec.replace_attributes(key=dg.AssetKey([schema, name]), group_name=schema)
