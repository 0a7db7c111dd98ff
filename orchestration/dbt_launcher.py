"""Starts dbt as a child that dies with the process that started it.

dagster-dbt runs dbt as a subprocess of the run. Killed with ``kill -9``, a ``usage-analytics``
command would leave that ``dbt build`` running, still writing the warehouse. So the
``dbt_executable`` the resources give dagster-dbt is ``launcher_path()``: a small script that
runs this module, which asks Linux to SIGKILL it when its parent dies (``PR_SET_PDEATHSIG``,
kept across ``exec``), checks that the parent is still the one that started it (it may have
died before the request took effect), then replaces itself with the real dbt
(``DBT_EXECUTABLE``), same process. Elsewhere it only replaces itself with dbt.

Linux sends the signal when the *thread* that started the child ends; dagster-dbt starts dbt
from the step's own thread, which lives as long as the step.

dagster-dbt also runs ``dbt --version`` before every dbt command, to pick its code path by the
major version: starting dbt for that costs about 2.5 s a run. The script answers that one call
itself with the version of the dbt-core package installed beside it, which is what dbt prints.
"""

import ctypes
import hashlib
import importlib.metadata
import os
import shlex
import signal
import sys
import tempfile
from pathlib import Path

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def main(argv: list[str]) -> int:
    """``dbt_launcher.py PARENT_PID DBT [ARGS...]``: becomes ``DBT ARGS...``, bound to the
    parent's life. Returns (exit code 1) only when the parent is already gone."""
    parent_pid, dbt, args = int(argv[1]), argv[2], argv[3:]
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl: nobody waits for us
            return 1
    os.execv(dbt, [dbt, *args])
    return 1  # not reached: execv replaced this process


def launcher_path(dbt_executable: str) -> str:
    """An executable script that starts ``dbt_executable`` through this module (created once
    per content in a folder of the current user's, mode 0700).

    The script is ``/bin/sh`` so that its ``$PPID`` names the process that started it.
    """
    version = importlib.metadata.version("dbt-core")  # the dbt of this environment
    script = (
        "#!/bin/sh\n"
        f'if [ "$#" -eq 1 ] && [ "$1" = "--version" ]; then echo "Core: {version}"; exit 0; fi\n'
        f"exec {shlex.quote(sys.executable)} -I -S {shlex.quote(str(Path(__file__).resolve()))}"
        f' "$PPID" {shlex.quote(dbt_executable)} "$@"\n'
    )
    folder = Path(tempfile.gettempdir()) / f"usage-analytics-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o077:
        return dbt_executable  # not a folder only we can write: run dbt directly
    path = folder / f"dbt-{hashlib.sha256(script.encode()).hexdigest()[:16]}"
    if not path.exists():
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(script, encoding="utf-8")
        partial.chmod(0o700)
        os.replace(partial, path)
    return str(path)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
