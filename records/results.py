"""The results file: one JSON line per finished episode, appended whole and flushed at once, so a
crash or Ctrl-C loses at most the episodes in flight and a re-run skips what is recorded."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from records.run_dir import RunDirectoryError, append_line

log = logging.getLogger(__name__)


class ResultsFile:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self, strict: bool = False) -> dict[str, dict[str, Any]]:
        """Recorded episodes by key; a line cut short by a crash is ignored (and re-run). Any
        other unreadable line is too, or with `strict` a ValueError naming the file and line."""
        records: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return records
        with self.path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                try:
                    record = json.loads(line)
                    records[record["key"]] = record
                except (ValueError, RecursionError, KeyError, TypeError) as error:
                    if strict and not isinstance(error, json.JSONDecodeError):
                        why = ("nested too deep" if isinstance(error, RecursionError)
                               else str(error)[:80] if isinstance(error, ValueError)
                               else "not a JSON object with a key")
                        raise ValueError(f"{self.path}:{number}: damaged line ({why})"
                                         ) from None
                    log.warning("%s:%d: unreadable line ignored", self.path, number)
        return records

    def append(self, record: dict[str, Any]) -> None:
        """One whole line, on disk when this returns; RunDirectoryError (the file as it was)
        when it cannot be written, a full disk say."""
        line = json.dumps(record, sort_keys=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._repair_last_line()
        except OSError as error:
            raise RunDirectoryError(f"cannot write {self.path}: {error.strerror or error}"
                                    ) from error
        append_line(self.path, line, sync=True)

    def _repair_last_line(self) -> None:
        """A line cut short by a crash gets its newline, so the next record starts clean."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb+") as data:
            data.seek(-1, os.SEEK_END)
            if data.read(1) != b"\n":
                data.write(b"\n")
