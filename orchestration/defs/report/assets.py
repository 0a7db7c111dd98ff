"""The report asset: the HTML page of the published marts, written after each publication."""

import dagster as dg

from orchestration.defs.resources import Warehouse
from usage_analytics.quality.gates import quality_page_path
from usage_analytics.reporting.page import report_page_path
from usage_analytics.reporting.report import make_report

REPORT_GROUP = "report"


def build_report(published: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The report, downstream of every published mart of ``published`` (the publish asset)."""

    @dg.asset(
        name="product_report",
        key_prefix=["report"],
        deps=list(published.keys),
        group_name=REPORT_GROUP,
        owners=["team:product-analytics"],
        kinds={"html"},
        description="The product report (usage-analytics report): headline numbers against the"
        " previous period, active users, lifecycle, funnels, retention triangles, adoption,"
        " sessions, paths and segment breakdowns, drawn from the serving copy of this"
        " publication. One HTML file beside the warehouse (report/index.html); it opens from"
        " disk without a network.",
    )
    def product_report(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        """Writes report/index.html from the serving copy the publish step just replaced."""
        report = make_report(
            warehouse.serving_path,
            report_page_path(warehouse.path),
            quality_page=quality_page_path(warehouse.path),
        )
        context.log.info(f"report {report.html} ({report.count_charts} charts)")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(report.html)),
                "url": dg.MetadataValue.url(report.html.as_uri()),
                "charts": report.count_charts,
            }
        )

    return product_report
