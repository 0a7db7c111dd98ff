"""Pruning of dagster-dbt's per-invocation target folders."""

import os
from pathlib import Path

import pytest

from orchestration.lib.dbt_targets import MIN_AGE_SECONDS, prune_invocation_targets
from orchestration.lib.settings import Settings

NOW = 1_800_000_000.0
HOUR = 3600.0


def _folder(target: Path, name: str, hours_ago: float) -> Path:
    folder = target / name
    (folder / "compiled").mkdir(parents=True)
    (folder / "run_results.json").write_text("{}", encoding="utf-8")
    stamp = NOW - hours_ago * HOUR
    os.utime(folder, (stamp, stamp))
    return folder


def test_keeps_the_newest_and_removes_the_rest(tmp_path: Path) -> None:
    folders = [_folder(tmp_path, f"dbt_models-run{age}-abc", hours_ago=age) for age in range(2, 8)]
    removed = prune_invocation_targets(tmp_path, "dbt_models", keep=3, now=NOW)
    assert sorted(removed) == sorted(folders[3:])  # ages 5, 6, 7 hours
    assert [f.exists() for f in folders] == [True, True, True, False, False, False]


def test_never_removes_the_current_young_or_unrelated_folders(tmp_path: Path) -> None:
    current = _folder(tmp_path, "dbt_models-cur-1", hours_ago=50)  # oldest, but this run's
    young = [_folder(tmp_path, f"dbt_models-y{i}-1", hours_ago=0.1 * i) for i in range(1, 4)]
    old = _folder(tmp_path, "dbt_models-old-1", hours_ago=30)
    other = _folder(tmp_path, "other_op-old-1", hours_ago=40)
    (tmp_path / "partial_parse.msgpack").write_bytes(b"x")
    removed = prune_invocation_targets(tmp_path, "dbt_models", keep=0, current=current, now=NOW)
    assert removed == [old]
    assert current.exists() and other.exists() and all(f.exists() for f in young)
    assert (tmp_path / "partial_parse.msgpack").exists()
    assert MIN_AGE_SECONDS > 0.1 * 3 * HOUR


def test_keep_must_not_be_negative(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep must be >= 0"):
        prune_invocation_targets(tmp_path, "dbt_models", keep=-1)


def test_runs_kept_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USAGE_ANALYTICS_DBT_RUNS_KEPT", raising=False)
    assert Settings.from_env().dbt_runs_kept == 10
    monkeypatch.setenv("USAGE_ANALYTICS_DBT_RUNS_KEPT", "2")
    assert Settings.from_env().dbt_runs_kept == 2
    monkeypatch.setenv("USAGE_ANALYTICS_DBT_RUNS_KEPT", "-1")
    with pytest.raises(ValueError, match="USAGE_ANALYTICS_DBT_RUNS_KEPT must be a whole number"):
        Settings.from_env()
