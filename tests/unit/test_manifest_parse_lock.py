"""Two commands that find the dbt manifest stale at once parse it once, one after the other:
dbt writing manifest.json from two processes at once left it corrupt."""

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration import dbt_project


def test_concurrent_prepares_parse_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    state = {"fresh": False, "parses": 0, "parsing": 0, "overlapped": False}

    class FakeDbt:
        def __init__(self, **_: object) -> None:
            pass

        def cli(self, args: list[str], **_: object) -> "FakeDbt":
            assert args[0] == "parse"
            state["parsing"] += 1
            state["overlapped"] |= state["parsing"] > 1
            time.sleep(0.3)  # long enough for the other thread to arrive
            state["parses"] += 1
            state["fresh"] = True
            state["parsing"] -= 1
            return self

        def wait(self) -> None:
            pass

    project = SimpleNamespace(
        target_path=tmp_path / "target", manifest_path=tmp_path / "target" / "manifest.json"
    )
    monkeypatch.setattr(dbt_project, "dbt_project", lambda: project)
    monkeypatch.setattr(dbt_project, "manifest_is_stale", lambda: not state["fresh"])
    monkeypatch.setattr(dbt_project, "inputs_fingerprint", lambda: "fingerprint")
    monkeypatch.setattr(dbt_project, "_fingerprint_path", lambda: tmp_path / "fingerprint")
    monkeypatch.setattr(dbt_project, "DbtCliResource", FakeDbt)
    monkeypatch.setattr(dbt_project, "dbt_child_executable", lambda: "dbt")

    threads = [threading.Thread(target=dbt_project.prepare_manifest) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert state["parses"] == 1 and not state["overlapped"]
    assert (tmp_path / "fingerprint").read_text() == "fingerprint"
