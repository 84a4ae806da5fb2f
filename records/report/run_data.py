"""A run directory read back for its report: trace.jsonl, llm_calls.jsonl, summary.json, frames/.

A run killed mid-episode has trace lines but no summary: it is read as a partial run. Anything
that is not what the recorder writes raises ReportInputError naming the file (and line).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perception.input_files import InputFileError, read_text
from records.report.run_schema import CALL, SUMMARY, TRACE_LINE, problem
from records.run_dir import LLM_CALLS_FILE, SUMMARY_FILE, TRACE_FILE

HYDRA_CONFIG = Path(".hydra") / "config.yaml"
MAX_FILE_BYTES = 1 << 30  # a trace of thousands of steps is tens of megabytes


class ReportInputError(ValueError):
    """The directory is not a run directory, or one of its files is damaged."""


@dataclass(frozen=True)
class RunData:
    directory: Path
    steps: tuple[dict[str, Any], ...]  # trace lines, in order
    calls: tuple[dict[str, Any], ...]  # model calls, in order
    summary: dict[str, Any] | None  # None: the run ended before its summary was written
    instruction: str

    @property
    def partial(self) -> bool:
        return self.summary is None

    def frame(self, step: int, moment: str) -> Path | None:
        """The camera frame saved before or after a step (`moment`: before | after)."""
        return _first_colour_frame(self.directory / "frames", f"step{step:02d}_{moment}_*.png")

    @property
    def final_frame(self) -> Path | None:
        return _first_colour_frame(self.directory / "frames", "final_*.png")

    @property
    def episode_picture(self) -> Path | None:
        path = self.directory / "frames" / "episode.png"
        return path if path.is_file() else None

    def detections_after(self, position: int) -> list[dict[str, Any]] | None:
        """What was seen after the step at `position`: the next step's detections (its frame is
        this step's after frame), after the last step the summary's final detections."""
        if position + 1 < len(self.steps):
            return self.steps[position + 1].get("detections")
        return (self.summary or {}).get("final_detections")


def is_run_directory(path: Path) -> bool:
    """It has a trace or a summary (or something in their place, which reading then names)."""
    return os.path.lexists(path / TRACE_FILE) or os.path.lexists(path / SUMMARY_FILE)


def load_run(directory: str | Path) -> RunData:
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportInputError(f"{directory} is not a directory")
    if not is_run_directory(directory):
        inside = sorted(p.name for p in directory.iterdir() if p.is_dir() and is_run_directory(p))
        hint = ""
        if inside:
            shown = ", ".join(inside[:3]) + (", ..." if len(inside) > 3 else "")
            hint = f"; its subdirectories {shown} are (an interactive session's commands)"
        raise ReportInputError(f"{directory} is not a run directory "
                               f"(it has neither {TRACE_FILE} nor {SUMMARY_FILE}){hint}")
    steps = read_json_lines(directory / TRACE_FILE, trace_line_problem)
    calls = read_json_lines(directory / LLM_CALLS_FILE, call_problem)
    summary = read_summary(directory / SUMMARY_FILE)
    return RunData(directory, tuple(steps), tuple(calls), summary,
                   _instruction(directory, summary, calls))


def read_json_lines(path: Path, problem_of: Any) -> list[dict[str, Any]]:
    """Every line of a JSON-lines file (none when it does not exist); `problem_of(line)` says
    what is wrong with a parsed line, or None."""
    if not os.path.lexists(path):
        return []
    lines = []
    for number, line in enumerate(_read(path).splitlines(), 1):
        if not line.strip():
            continue
        value, wrong = _parse(line)
        wrong = wrong or problem_of(value)
        if wrong:
            raise ReportInputError(f"{path}:{number}: damaged line ({wrong})")
        lines.append(value)
    return lines


def _read(path: Path) -> str:
    try:
        return read_text(path, MAX_FILE_BYTES)
    except InputFileError as error:
        raise ReportInputError(f"{path}: {error}") from None


def _parse(text: str) -> tuple[Any, str | None]:
    """The JSON value, or what is wrong with the text."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, f"{error.msg} at column {error.colno}"
    except RecursionError:
        return None, "nested too deep"
    except ValueError as error:  # an integer of more than 4300 digits
        return None, str(error)


def trace_line_problem(line: Any) -> str | None:
    if not isinstance(line, dict):
        return "not a JSON object"
    for key, kind in (("step", int), ("chosen", str), ("options", list)):
        if not isinstance(line.get(key), kind):
            return f"no {kind.__name__} {key!r}"
    for option in line["options"]:
        if not isinstance(option, dict) or not isinstance(option.get("text"), str):
            return "an option without its text"
    return problem(line, TRACE_LINE)


def call_problem(line: Any) -> str | None:
    return problem(line, CALL)


def read_summary(path: Path) -> dict[str, Any] | None:
    if not os.path.lexists(path):
        return None
    summary, wrong = _parse(_read(path))
    wrong = wrong or problem(summary, SUMMARY)
    if wrong:
        raise ReportInputError(f"{path}: damaged ({wrong})")
    return summary


def _instruction(directory: Path, summary: dict[str, Any] | None,
                 calls: list[dict[str, Any]]) -> str:
    if summary and summary.get("instruction"):
        return str(summary["instruction"])
    if calls and calls[0].get("command"):
        return str(calls[0]["command"])
    config = directory / HYDRA_CONFIG
    if config.is_file():
        import yaml

        try:
            loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            loaded = None
        if isinstance(loaded, dict) and isinstance(loaded.get("instruction"), str):
            return loaded["instruction"]
    return ""


def _first_colour_frame(frames: Path, pattern: str) -> Path | None:
    if not frames.is_dir():
        return None
    found = sorted(p for p in frames.glob(pattern) if not p.stem.endswith("_depth_mm"))
    return found[0] if found else None
