"""What the recorder writes in a run directory, as far as the report reads it: each field's type,
so a file that is not what the recorder writes is one error naming the file and the field,
not a traceback in the middle of a page. Fields may be missing or null (older runs, steps not
executed); when present they must be what is written here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Number:
    """A finite int or float (not a bool)."""


@dataclass(frozen=True)
class ListOf:
    item: Any
    length: int | None = None


@dataclass(frozen=True)
class MapOf:
    """A JSON object of any keys whose values are all `value`."""

    value: Any


@dataclass(frozen=True)
class Matrix:
    """rows x cols finite numbers; `invertible`: a pose whose inverse the report takes."""

    rows: int
    cols: int
    invertible: bool = False


NUMBER = Number()
POINT = ListOf(NUMBER)
DETECTION = {"name": str, "position": ListOf(NUMBER, 3), "confidence": NUMBER}
CAMERA = {"name": str, "intrinsics": Matrix(3, 3), "camera_to_world": Matrix(4, 4, True)}
OPTION = {"text": str, "llm_logprob": NUMBER, "n_tokens": int, "llm_score": NUMBER,
          "affordance": NUMBER, "affordance_reason": str, "combined": NUMBER}
PRIMITIVE = {"phase": str, "kind": str, "pose": POINT, "joints": POINT}
RESULT = {"success": bool, "dry_run": bool, "message": str, "seconds": NUMBER,
          "primitives": ListOf(PRIMITIVE), "primitive_times": ListOf(ListOf(NUMBER, 2)),
          "released_at": POINT}
TRACE_LINE = {"step": int, "dry_run": bool, "scene": str, "state": str,
              "detections": ListOf(DETECTION), "camera": CAMERA, "options": ListOf(OPTION),
              "chosen": str, "result": RESULT, "verdict": {"holds": bool, "evidence": str},
              "succeeded": bool, "faults": ListOf({"fault": str, "step": int, "detail": str}),
              "recovery": str, "seconds": MapOf(NUMBER), "p": NUMBER, "unsure": bool,
              "note": str}
SUMMARY = {"instruction": str, "message": str, "finished": bool, "status": str,
           "interrupted": bool,
           "moved": bool, "dry_run": bool, "benchmark_success": bool,
           "final_detections": ListOf(DETECTION), "seconds": MapOf(NUMBER),
           "steps": ListOf(str), "task": {"family": str, "seed": int}}
CALL = {"prompt": str, "chosen": str, "model": str, "note": str, "seconds": NUMBER,
        "prompt_tokens": int}


def problem(value: Any, spec: Any, where: str = "") -> str | None:
    """What in `value` is not as `spec` says (naming the field), or None."""
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return f"{where or 'the line'} is not a JSON object"
        for key, inner in spec.items():
            if value.get(key) is not None:
                found = problem(value[key], inner, f"{where}.{key}" if where else repr(key))
                if found:
                    return found
        return None
    if isinstance(spec, ListOf):
        if not isinstance(value, list) or spec.length is not None and len(value) != spec.length:
            size = f" of {spec.length}" if spec.length is not None else ""
            return f"{where} is not a list{size}"
        return next((found for index, item in enumerate(value)
                     if (found := problem(item, spec.item, f"{where}[{index}]"))), None)
    if isinstance(spec, MapOf):
        if not isinstance(value, dict):
            return f"{where} is not a JSON object"
        return next((found for key, item in value.items()
                     if (found := problem(item, spec.value, f"{where}.{key}"))), None)
    if isinstance(spec, Matrix):
        return _matrix_problem(value, spec, where)
    if spec is NUMBER:
        ok = (isinstance(value, int | float) and not isinstance(value, bool)
              and math.isfinite(value))
        return None if ok else f"{where} is not a finite number"
    if spec is int and isinstance(value, bool) or not isinstance(value, spec):
        return f"{where} is not a{'n' if spec is int else ''} {_kind(spec)}"
    return None


def _matrix_problem(value: Any, spec: Matrix, where: str) -> str | None:
    rows = ListOf(ListOf(NUMBER, spec.cols), spec.rows)
    if problem(value, rows, where):
        return f"{where} is not a {spec.rows}x{spec.cols} matrix of finite numbers"
    if spec.invertible and abs(np.linalg.det(np.asarray(value, dtype=float))) < 1e-12:
        return f"{where} is singular"
    return None


def _kind(spec: type) -> str:
    return {str: "string", int: "integer", bool: "boolean"}.get(spec, spec.__name__)
