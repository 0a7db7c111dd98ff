"""The arrival date of a landing file: which daily landing partition it belongs to.

A file's arrival date is the date of the ``YYYY/MM/DD`` folders of its path below the landing
folder when it has them (the generator and most exporters write
``YYYY/MM/DD/events-YYYY-MM-DD.ndjson[.gz]``, the generator's larger runs several
``events-YYYY-MM-DD-partNNN`` files per folder), else the UTC date of its modification time.
The daily partitions run from a start date to today; a file that arrived before the first
partition belongs to the first one, a file dated after today to today's, so every file belongs
to exactly one partition and the whole partition range lands every file.
"""

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

_YEAR, _MONTH, _DAY = re.compile(r"\d{4}"), re.compile(r"\d{2}"), re.compile(r"\d{2}")


def arrival_date(path: Path, relative_path: str) -> dt.date:
    """The file's arrival date: its ``YYYY/MM/DD`` folders, else its modification date (UTC).

    Args:
        path: The file on disk.
        relative_path: Its path below the landing folder, with ``/`` separators.
    """
    folders = relative_path.split("/")[:-1]
    for index in range(len(folders) - 3, -1, -1):  # the deepest date wins
        year, month, day = folders[index : index + 3]
        if _YEAR.fullmatch(year) and _MONTH.fullmatch(month) and _DAY.fullmatch(day):
            try:
                return dt.date(int(year), int(month), int(day))
            except ValueError:
                continue  # 2026/13/45 is not a date: keep looking
    try:
        status = path.stat()
    except OSError:  # an entry landing cannot read (a dangling symlink ...): the entry's own
        status = path.lstat()
    modified = dt.datetime.fromtimestamp(status.st_mtime, tz=dt.UTC)
    return modified.date()


@dataclass(frozen=True)
class PartitionWindow:
    """The daily landing partitions: ``first`` to ``last`` (today), inclusive."""

    first: dt.date
    last: dt.date

    def partition_of(self, arrived: dt.date) -> dt.date:
        """The partition a file that arrived on ``arrived`` belongs to (clamped to the window)."""
        return min(max(arrived, self.first), self.last)
