"""The seed checks are dbt tests of error severity too (issue 17 item 15): a `dbt build` run
outside `usage-analytics` fails on a bad tracking plan or funnel row, so nothing downstream is
built or published."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import copy_project

DBT = str(Path(sys.executable).with_name("dbt"))


def _dbt_build_seeds(project: Path, warehouse: Path) -> subprocess.CompletedProcess[str]:
    dbt_dir = project / "dbt_project"
    return subprocess.run(
        [DBT, "build", "--select", "tracking_plan", "funnel_definitions"]
        + ["--project-dir", str(dbt_dir), "--profiles-dir", str(dbt_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "USAGE_ANALYTICS_WAREHOUSE": str(warehouse)},
        cwd=dbt_dir,
        check=False,
    )


def test_dbt_alone_fails_on_bad_tracking_plan_and_funnel_rows(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    seeds = project / "seeds"
    funnels = seeds / "funnel_definitions.csv"
    funnels.write_text(
        funnels.read_text().replace("onboarding,2,onboarding_started", "onboarding,2,singed_up")
    )
    with open(seeds / "tracking_plan.csv", "a", encoding="utf-8") as plan:
        plan.write("Invoice Sent,monetization,false,false,Not in normalized form.\n")
    result = _dbt_build_seeds(project, tmp_path / "w.duckdb")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "FAIL 1 assert_funnel_events_in_tracking_plan" in output, output
    assert "FAIL 1 assert_tracking_plan_event_names_normalized" in output, output
