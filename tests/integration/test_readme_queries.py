"""The figures the README quotes are what its queries print on the bundled sample.

Every fenced ``sql`` block of the README's "Revenue and MRR" section is one query followed by
its rows, one ``-- `` comment line each (values joined by `` | ``). The query runs on the serving
copy of the published sample, as a BI tool reads it, and must print exactly those rows.
"""

import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, query

pytestmark = pytest.mark.integration

SECTION = "## Revenue and MRR"


def quoted_queries() -> list[tuple[str, list[str]]]:
    """(query, expected rows) for every sql block of the README's revenue section."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)
    quoted = []
    for block in blocks:
        lines = block.strip().splitlines()
        rows = [line.removeprefix("-- ") for line in lines if line.startswith("-- ")]
        sql = "\n".join(line for line in lines if not line.startswith("-- "))
        quoted.append((sql, rows))
    return quoted


def test_the_readme_quotes_two_revenue_queries_with_their_rows() -> None:
    quoted = quoted_queries()
    assert len(quoted) == 2
    assert all(rows for _, rows in quoted)


@pytest.mark.parametrize("number", [0, 1])
def test_each_quoted_query_prints_the_quoted_rows(published_sample: Path, number: int) -> None:
    sql, expected = quoted_queries()[number]
    serving = published_sample.with_name("warehouse.serving.duckdb")
    printed = [" | ".join(str(value) for value in row) for row in query(serving, sql)]
    assert printed == expected
