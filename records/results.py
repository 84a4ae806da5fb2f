"""The results file: one JSON line per finished episode, appended whole and flushed at once, so a
crash or Ctrl-C loses at most the episodes in flight and a re-run skips what is recorded."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class ResultsFile:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, dict[str, Any]]:
        """Recorded episodes by key; a line cut short by a crash is ignored (and re-run)."""
        records: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return records
        with self.path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                try:
                    record = json.loads(line)
                    records[record["key"]] = record
                except (json.JSONDecodeError, KeyError, TypeError):
                    log.warning("%s:%d: unreadable line ignored", self.path, number)
        return records

    def append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, sort_keys=True) + "\n"
        self._repair_last_line()
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def _repair_last_line(self) -> None:
        """A line cut short by a crash gets its newline, so the next record starts clean."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb+") as data:
            data.seek(-1, os.SEEK_END)
            if data.read(1) != b"\n":
                data.write(b"\n")
