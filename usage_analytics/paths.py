"""Where the project's own files are: the repository, the dbt project and the seeds."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = REPO_ROOT / "seeds"


def from_repo_root(path: str | Path) -> Path:
    """``path`` made absolute: a relative path is taken from the repository root."""
    value = Path(path).expanduser()
    return value if value.is_absolute() else (REPO_ROOT / value).resolve()
