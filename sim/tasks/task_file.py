"""User task files: a YAML list of tasks, each checked completely before anything runs.

    - id: my-task-1
      instruction: put the blocks in the bowls with matching colors
      scene: {blocks: [red, green], bowls: [green, red], seed: 3}
      goal:
        - in: [red block, red bowl]
        - in: [green block, green bowl]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from perception.palette import PALETTE
from sim.scene_gen import SceneSpec
from sim.tasks.task import Task
from skills.goals import At, Predicate, make_predicate, predicate_args
from skills.workspace import LOCATION_NAMES

# which kind of object each argument must be, per predicate ("any": a block or a bowl)
ARGUMENT_KINDS: dict[str, tuple[str, ...]] = {
    "in": ("block", "bowl"), "not_in": ("block", "bowl"), "on": ("block", "block"),
    "at": ("block", "location"), "unmoved": ("any",),
}


class TaskFileError(ValueError):
    """What is wrong with a task file, in one line: the file, the task id and the problem."""


def load_task_file(path: str | Path) -> list[Task]:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TaskFileError(f"{path}: cannot read: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        first_line = " ".join(str(error).split())
        raise TaskFileError(f"{path}: YAML error: {first_line}") from error
    if not isinstance(raw, list) or not raw:
        raise TaskFileError(f"{path}: expected a non-empty list of tasks")
    tasks, seen = [], set()
    for index, entry in enumerate(raw):
        task_id = entry.get("id") if isinstance(entry, dict) else None
        label = f"task {task_id!r}" if task_id else f"task #{index + 1}"
        try:
            task = parse_task(entry)
        except (ValueError, TypeError) as error:
            raise TaskFileError(f"{path}: {label}: {error}") from error
        if task.task_id in seen:
            raise TaskFileError(f"{path}: {label}: duplicate id")
        seen.add(task.task_id)
        tasks.append(task)
    return tasks


def parse_task(entry: Any) -> Task:
    if not isinstance(entry, dict):
        raise ValueError(f"expected a mapping with id, instruction, scene, goal; got {entry!r}")
    unknown = set(entry) - {"id", "instruction", "scene", "goal"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    task_id, instruction = entry.get("id"), entry.get("instruction")
    if not isinstance(task_id, str | int) or not str(task_id).strip():
        raise ValueError("missing id")
    if not isinstance(instruction, str) or not instruction.strip():
        raise ValueError("missing instruction")
    scene = entry.get("scene")
    if not isinstance(scene, dict) or not scene.get("blocks"):
        raise ValueError("scene needs blocks: [colour, ...] (and optionally bowls, seed)")
    extra = set(scene) - {"blocks", "bowls", "seed"}
    if extra:
        raise ValueError(f"unknown scene keys {sorted(extra)}")
    spec = SceneSpec(scene["blocks"], scene.get("bowls") or (), int(scene.get("seed", 0)))
    goal = entry.get("goal")
    if not isinstance(goal, list) or not goal:
        raise ValueError("goal must be a non-empty list of predicates, e.g. - in: [red block, "
                         "red bowl]")
    predicates = tuple(parse_predicate(item, spec) for item in goal)
    return Task(str(task_id), str(task_id), spec.seed, instruction.strip(), spec, predicates)


def parse_predicate(item: Any, spec: SceneSpec) -> Predicate:
    if not isinstance(item, dict) or len(item) != 1:
        raise ValueError(f"a goal entry is one predicate: [arguments], got {item!r}")
    (name, args), = item.items()
    if name is True:  # YAML 1.1 (PyYAML) reads a bare `on:` key as the boolean true
        name = "on"
    if not isinstance(args, list):
        args = [args]
    predicate = make_predicate(str(name), [str(a) for a in args])
    kinds = ARGUMENT_KINDS.get(str(name), ("block",) * len(args))
    for arg, kind in zip(predicate_args(predicate), kinds, strict=True):
        _check_argument(str(name), arg, kind, spec)
    if isinstance(predicate, At) and predicate.location not in LOCATION_NAMES:
        raise ValueError(f"unknown location {predicate.location!r}")
    return predicate


def _check_argument(predicate: str, arg: str, kind: str, spec: SceneSpec) -> None:
    if kind == "location":
        if arg not in LOCATION_NAMES:
            raise ValueError(f"{predicate}: unknown location {arg!r} (expected one of "
                             f"{', '.join(LOCATION_NAMES)})")
        return
    color, _, obj_kind = arg.rpartition(" ")
    if color not in PALETTE:
        raise ValueError(f"{predicate}: unknown colour in {arg!r} (expected one of "
                         f"{', '.join(PALETTE)})")
    if obj_kind not in ("block", "bowl") or (kind != "any" and obj_kind != kind):
        raise ValueError(f"{predicate}: {arg!r} should be a {kind.replace('any', 'block or bowl')}")
    if arg not in spec.names:
        raise ValueError(f"{predicate}: {arg!r} is not in the scene (have {', '.join(spec.names)})")
