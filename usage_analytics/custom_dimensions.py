"""Custom dimensions (seeds/custom_dimensions.csv) and the mart contracts that list them.

An enforced dbt contract lists every column of a model, so a dimension added to the seed must
also appear in the YAML of the marts that carry it. ``sync_contracts`` rewrites a marked block
of ``fct_events.yml`` (event-level dimensions) and ``dim_users.yml`` (user-level ones) from the
seed. ``usage-analytics sync-contracts`` is the step; ``run`` and ``forget`` take it before dbt
parses the project, so an analyst adds a row to the seed and nothing else (``make dev`` too).
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from usage_analytics.paths import DBT_PROJECT_DIR, SEEDS_DIR

SEED = SEEDS_DIR / "custom_dimensions.csv"
DATA_TYPES = ("varchar", "integer", "bigint", "double", "boolean", "date", "timestamp")
# the contract's name for a seed's type where engines disagree: DuckDB reads `string` as
# varchar, Spark refuses `varchar` without a length
CONTRACT_TYPES = {"varchar": "string"}
ROOTS = ("properties", "context", "traits")
MARTS = {"event": "fct_events", "user": "dim_users"}
BEGIN = "      # --- custom dimensions: generated from seeds/custom_dimensions.csv, do not edit ---"
END = "      # --- end of custom dimensions ---"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


@dataclass(frozen=True)
class CustomDimension:
    """One row of the seed."""

    name: str
    level: str
    source_path: str
    data_type: str


class CustomDimensionError(ValueError):
    """A row of seeds/custom_dimensions.csv that cannot become a column."""


def read_dimensions(seed: Path = SEED) -> list[CustomDimension]:
    """The seed's rows, validated.

    Raises:
        CustomDimensionError: naming the row and what is wrong with it.
    """
    if not seed.exists():
        return []
    with open(seed, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    dimensions, seen = [], set()
    for number, row in enumerate(rows, start=2):
        dimension = CustomDimension(
            name=(row.get("dimension_name") or "").strip(),
            level=(row.get("level") or "").strip(),
            source_path=(row.get("source_path") or "").strip(),
            data_type=(row.get("data_type") or "").strip().lower(),
        )
        where = f"{seed.name} line {number} ({dimension.name or 'no name'})"
        if not _NAME.match(dimension.name):
            raise CustomDimensionError(f"{where}: dimension_name must be snake_case")
        if dimension.name in seen:
            raise CustomDimensionError(f"{where}: dimension_name is declared twice")
        if dimension.level not in MARTS:
            raise CustomDimensionError(f"{where}: level must be one of {sorted(MARTS)}")
        if (
            not _PATH.match(dimension.source_path)
            or dimension.source_path.split(".")[0] not in ROOTS
        ):
            raise CustomDimensionError(
                f"{where}: source_path must be a dotted path under {', '.join(ROOTS)}"
            )
        if dimension.data_type not in DATA_TYPES:
            raise CustomDimensionError(f"{where}: data_type must be one of {', '.join(DATA_TYPES)}")
        seen.add(dimension.name)
        dimensions.append(dimension)
    return dimensions


def contract_block(dimensions: list[CustomDimension], level: str) -> str:
    """The generated YAML lines for the dimensions of one level (between the markers)."""
    lines = [BEGIN]
    for dimension in dimensions:
        if dimension.level == level:
            contract_type = CONTRACT_TYPES.get(dimension.data_type, dimension.data_type)
            lines += [
                f"      - name: {dimension.name}",
                f"        data_type: {contract_type}",
                f'        description: "Custom dimension: `{dimension.source_path}`'
                f' ({"latest non-null value" if level == "user" else "the event value"})."',
            ]
    lines.append(END)
    return "\n".join(lines)


def sync_contracts(
    seed: Path = SEED, models_dir: Path | None = None, *, write: bool = True
) -> list[Path]:
    """Rewrites the generated blocks of the mart YAMLs; returns the files that changed (with
    ``write=False``, the files that would change, untouched)."""
    models_dir = models_dir or DBT_PROJECT_DIR / "models" / "marts"
    dimensions = read_dimensions(seed)
    existing = {name for name in _declared_columns(models_dir)}
    clashes = sorted({d.name for d in dimensions} & existing)
    if clashes:
        raise CustomDimensionError(f"custom dimension(s) {clashes} clash with existing columns")
    changed = []
    for level, mart in MARTS.items():
        path = models_dir / f"{mart}.yml"
        text = path.read_text(encoding="utf-8")
        if BEGIN not in text or END not in text:
            raise CustomDimensionError(f"{path} lacks the custom dimension markers")
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        new = head + contract_block(dimensions, level) + tail
        if new != text:
            if write:
                path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def _declared_columns(models_dir: Path) -> list[str]:
    """Columns of the marts' YAML outside the generated blocks."""
    names = []
    for mart in MARTS.values():
        text = (models_dir / f"{mart}.yml").read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            text = head + rest.split(END, 1)[1]
        names += re.findall(r"^      - name: (\w+)$", text, flags=re.MULTILINE)
    return names
