"""Write–audit–publish: a failed blocking gate leaves `marts` serving the last good publication.

BI tools read the `marts` schema. dbt builds into `marts_candidate`, the gates check it, and the
publish step copies it into `marts` in one transaction only when every blocking gate passed.
"""

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import copy_project, query, run_cli, schema_fingerprint, write_events

pytestmark = pytest.mark.integration

# A BI query a dashboard would run.
DASHBOARD_SQL = (
    "select sum(dau), max(activity_date) from marts.agg_active_users"
    " union all select count(*), max(event_at)::date from marts.fct_events"
)


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small clean generated sample."""
    out = tmp_path_factory.mktemp("wap") / "events"
    generated = run_cli(
        "generate", "--out", str(out), "--users", "40", "--days", "5", "--seed", "11",
        "--dirty-share", "0",
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    return out


def later_events(prefix: str, count: int, day: str = "2026-01-10") -> list[dict[str, object]]:
    """Valid track events of new users on a later day."""
    return [
        {
            "event_id": f"{prefix}-{number}",
            "type": "track",
            "event": "Report Created",
            "user_id": f"{prefix}-user-{number % 7}",
            "timestamp": f"{day}T10:{number % 60:02d}:00Z",
        }
        for number in range(count)
    ]


def bad_batch(path: Path, count_good: int, count_bad: int) -> Path:
    """A file whose quarantined share (count_bad of the lines) breaks the landing gate."""
    lines = [json.dumps(event) for event in later_events("bad-batch", count_good)]
    lines += ["{not json at all"] * count_bad
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def publications(warehouse: Path) -> int:
    return query(warehouse, "select count(*) from audit.publications")[0][0]


def test_a_bad_batch_fails_the_run_and_marts_serve_the_previous_publication(
    events: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copytree(events, landing)

    def run(**env: str):  # noqa: ANN202 - a CompletedProcess
        return run_cli("run", "--events", str(landing), "--warehouse", str(warehouse), env=env)

    good = run()
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-3000:]
    assert "published   23 marts (publication " in good.stdout
    published = schema_fingerprint(warehouse)
    dashboard = query(warehouse, DASHBOARD_SQL)
    assert len(published) == 23 and publications(warehouse) == 1

    # 120 lines, 40 of them invalid JSON: quarantined share 1/3 > 0.05 (blocking)
    bad_batch(landing / "incoming" / "bad.ndjson", count_good=80, count_bad=40)
    failed = run()
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert "FAIL      raw/events:gx_landing_batch (great_expectations, error, blocking)" in (
        failed.stdout
    )
    assert "expect_column_mean_to_be_between(is_quarantined): observed 0.333" in failed.stdout
    assert "threshold in [0, 0.05]" in failed.stdout
    assert "published   nothing: marts still serve publication " in failed.stdout
    # the BI query returns exactly what the good run published, and every mart is unchanged
    assert query(warehouse, DASHBOARD_SQL) == dashboard
    assert schema_fingerprint(warehouse) == published
    assert publications(warehouse) == 1
    # the bad batch is landed (every line accounted for) but was never built or published
    assert query(
        warehouse,
        "select count(*) from raw.events where event_id like 'bad-batch-%'"
        " union all select count(*) from marts.fct_events where event_id like 'bad-batch-%'",
    ) == [(80,), (0,)]

    # a later good file does not sneak the pending bad batch through: the gate checks both
    write_events(landing / "incoming" / "good.ndjson", later_events("good-batch", 30))
    still_failing = run()
    assert still_failing.returncode == 1, still_failing.stdout[-3000:]
    assert "FAIL      raw/events:gx_landing_batch" in still_failing.stdout
    assert schema_fingerprint(warehouse) == published

    # the operator accepts the batch for one run (a looser threshold): both batches publish
    accepted = run(USAGE_ANALYTICS_MAX_QUARANTINED_SHARE="0.5")
    assert accepted.returncode == 0, accepted.stdout[-3000:]
    assert publications(warehouse) == 2
    assert query(
        warehouse,
        "select count(*) filter (where event_id like 'bad-batch-%'),"
        " count(*) filter (where event_id like 'good-batch-%') from marts.fct_events",
    ) == [(80, 30)]
    # nothing is pending any more: a rerun with the default threshold passes
    rerun = run()
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    (observed,) = query(
        warehouse,
        "select string_agg(observed) from audit.gate_results"
        " where check_name = 'gx_landing_batch' and run_id = ("
        "   select run_id from audit.gate_results order by checked_at desc limit 1)",
    )[0]
    assert observed == "no pending lines (batches: none)"


def test_a_failing_mart_gate_publishes_nothing(events: Path, tmp_path: Path) -> None:
    """An analyst's edit doubles the onboarding funnel's rates (2.0 at step 1) and deletes the
    dbt test that would have caught it: the candidate is built, the GX funnel gate catches it,
    and no mart is replaced (not even those whose checks passed)."""
    project = copy_project(tmp_path / "project")
    landing = tmp_path / "landing"
    shutil.copytree(events, landing)
    warehouse = tmp_path / "warehouse.duckdb"

    def run():  # noqa: ANN202 - a CompletedProcess
        return run_cli("run", "--events", str(landing), "--warehouse", str(warehouse), cwd=project)

    good = run()
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-3000:]
    published = schema_fingerprint(warehouse)
    (count_events,) = query(warehouse, "select count(*) from marts.fct_events")[0]

    model = project / "dbt_project" / "models" / "marts" / "agg_funnel_conversion.sql"
    text = model.read_text()
    assert text.count("\n    conversion_rate_from_first,\n") == 1
    model.write_text(
        text.replace(
            "\n    conversion_rate_from_first,\n",
            "\n    case when funnel_name = 'onboarding' then 2 else 1 end\n"
            "        * conversion_rate_from_first as conversion_rate_from_first,\n",
        )
    )
    write_events(landing / "more.ndjson", later_events("more", 25))
    failed = run()
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert (
        "FAIL      marts_candidate/agg_funnel_conversion:"
        "assert_agg_funnel_conversion_rates_between_0_and_1 (dbt, error" in failed.stdout
    )
    assert "failing rows" in failed.stdout
    assert "published   nothing: marts still serve publication " in failed.stdout
    # the candidates were written (the new events are in marts_candidate) ...
    (count_candidate,) = query(warehouse, "select count(*) from marts_candidate.fct_events")[0]
    assert count_candidate == count_events + 25
    (max_rate,) = query(
        warehouse,
        "select max(conversion_rate_from_first) from marts_candidate.agg_funnel_conversion",
    )[0]
    assert max_rate == pytest.approx(2.0)
    # ... but not one published mart changed
    assert schema_fingerprint(warehouse) == published
    assert publications(warehouse) == 1
