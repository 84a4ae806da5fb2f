"""User task files: a YAML list of tasks, each checked completely before anything runs.

    - id: my-task-1
      instruction: put the blocks in the bowls with matching colors
      scene: {blocks: [red, green], bowls: [green, red], seed: 3}
      goal:
        - in: [red block, red bowl]
        - in: [green block, green bowl]
    - id: there-and-back
      instruction: put the red block in the blue bowl, then put it back where it was
      scene: {blocks: [red], bowls: [blue], seed: 4}
      waypoints:        # optional: each must hold at some moment, in order, before the end
        - in: [red block, blue bowl]
      goal:
        - at: [red block, where the red block started]

A task's id is its family in the benchmark's results (a family of one task, seed from its scene).
"""

from __future__ import annotations

import re
import reprlib
from pathlib import Path
from typing import Any

from perception.input_files import InputFileError, load_yaml_file
from perception.palette import PALETTE
from sim.scene_gen import SceneSpec
from sim.tasks.task import Task
from skills.goals import AllAt, Corners, Line, Predicate, make_predicate, predicate_args
from skills.places import DIRECTIONS, MAGNITUDES
from skills.workspace import LOCATION_NAMES

# which kind of object each argument must be, per predicate ("any": a block or a bowl)
ARGUMENT_KINDS: dict[str, tuple[str, ...]] = {
    "in": ("block", "bowl"), "not_in": ("block", "bowl"), "on": ("block", "block"),
    "at": ("block", "place"), "unmoved": ("any",),
}  # line, corners, all_at: blocks after their line kind or location
MAX_DEPTH = 8  # a task file needs 6: the list, a task, its goal, a predicate, its arguments, one
MAX_BYTES = 64 << 20  # about 350,000 tasks like the one above


def _short(value: Any) -> str:
    """A value for an error message, cut to a line's worth."""
    short = reprlib.Repr()
    short.maxstring, short.maxother, short.maxlist, short.maxdict, short.maxlevel = (
        60, 60, 6, 4, 2)
    return short.repr(value)


class TaskFileError(ValueError):
    """What is wrong with a task file, in one line: the file, the task id and the problem."""


def load_task_file(path: str | Path) -> list[Task]:
    """Every task of the file, each checked completely; TaskFileError at the first problem.
    The file is read as `perception.input_files` reads one: at most MAX_BYTES, no aliases."""
    path = Path(path)
    try:
        raw = load_yaml_file(path, "a task file", MAX_BYTES, MAX_DEPTH)
    except InputFileError as error:
        raise TaskFileError(f"{path}: {error}") from error
    if not isinstance(raw, list) or not raw:
        raise TaskFileError(f"{path}: expected a non-empty list of tasks")
    tasks, seen = [], set()
    for index, entry in enumerate(raw):
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        label = f"task {_short(entry_id)}" if entry_id else f"task #{index + 1}"
        try:
            task = parse_task(entry)
        except (ValueError, TypeError) as error:
            raise TaskFileError(f"{path}: {label}: {error}") from error
        if task.family in seen:
            raise TaskFileError(f"{path}: {label}: duplicate id")
        seen.add(task.family)
        tasks.append(task)
    return tasks


def parse_task(entry: Any) -> Task:
    if not isinstance(entry, dict):
        raise ValueError("expected a mapping with id, instruction, scene, goal; got "
                         f"{_short(entry)}")
    unknown = set(entry) - {"id", "instruction", "scene", "goal", "waypoints"}
    if unknown:
        raise ValueError(f"unknown keys {_short(sorted(map(str, unknown)))}")
    entry_id, instruction = entry.get("id"), entry.get("instruction")
    if not isinstance(entry_id, str | int) or not str(entry_id).strip():
        raise ValueError("missing id")
    if not isinstance(instruction, str) or not instruction.strip():
        raise ValueError("missing instruction")
    scene = entry.get("scene")
    if not isinstance(scene, dict) or not scene.get("blocks"):
        raise ValueError("scene needs blocks: [colour, ...] (and optionally bowls, seed)")
    extra = set(scene) - {"blocks", "bowls", "seed", "start_on"}
    if extra:
        raise ValueError(f"unknown scene keys {_short(sorted(map(str, extra)))}")
    for key in ("blocks", "bowls"):
        if not isinstance(scene.get(key) or [], list):
            raise ValueError(f"scene {key} must be a list of colours, got {_short(scene[key])}")
    start_on = scene.get("start_on") or []
    if not isinstance(start_on, list) or not all(
            isinstance(pair, list) and len(pair) == 2 for pair in start_on):
        raise ValueError(f"scene start_on must be a list of [block, support] pairs, got "
                         f"{_short(start_on)}")
    spec = SceneSpec(scene["blocks"], scene.get("bowls") or (), parse_seed(scene.get("seed", 0)),
                     tuple((str(a), str(b)) for a, b in start_on))
    goal = entry.get("goal")
    if not isinstance(goal, list) or not goal:
        raise ValueError("goal must be a non-empty list of predicates, e.g. - in: [red block, "
                         "red bowl]")
    predicates = tuple(parse_predicate(item, spec) for item in goal)
    waypoints = entry.get("waypoints") or []
    if not isinstance(waypoints, list):
        raise ValueError(f"waypoints must be a list of predicates, got {_short(waypoints)}")
    return Task(str(entry_id), spec.seed, instruction.strip(), spec, predicates,
                waypoints=tuple(parse_predicate(item, spec) for item in waypoints))


def parse_seed(seed: Any) -> int:
    """A layout seed: a non-negative integer (not a float, a boolean or a string)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {_short(seed)}")
    return seed


def parse_predicate(item: Any, spec: SceneSpec) -> Predicate:
    if not isinstance(item, dict) or len(item) != 1:
        raise ValueError(f"a goal entry is one predicate: [arguments], got {_short(item)}")
    (name, args), = item.items()
    if name is True:  # YAML 1.1 (PyYAML) reads a bare `on:` key as the boolean true
        name = "on"
    if not isinstance(args, list):
        args = [args]
    predicate = make_predicate(str(name), [str(a) for a in args])
    if isinstance(predicate, Line | AllAt):  # a line kind or a location, then blocks
        objects = predicate.objects
        if isinstance(predicate, AllAt):
            _check_argument(str(name), predicate.location, "location", spec)
        if not objects:
            raise ValueError(f"{name}: names no block")
    else:
        objects = predicate_args(predicate)
    kinds = ARGUMENT_KINDS.get(str(name), ("block",) * len(objects))
    for arg, kind in zip(objects, kinds, strict=True):
        if kind == "place":
            _check_place(str(name), arg, spec)
        else:
            _check_argument(str(name), arg, kind, spec)
    if isinstance(predicate, Corners) and len(predicate.objects) > len(spec.blocks):
        raise ValueError(f"{name}: names more blocks than the scene has")
    return predicate


_LOOSE_BESIDE = re.compile(
    r"^(?P<magnitude>.+?) to the (?P<direction>\S+) of the (?P<anchor>.+)$")
_LOOSE_START = re.compile(r"^where the (?P<object>.+) started$")


def _check_place(predicate: str, arg: str, spec: SceneSpec) -> None:
    """A named location, a place beside an object (`a little to the left of the blue bowl`)
    or where an object started (`where the red block started`), its words known and its
    object in the scene."""
    if arg in LOCATION_NAMES:
        return
    if (found := _LOOSE_START.match(arg)) is not None:
        _check_argument(predicate, found["object"], "any", spec)
        return
    if (found := _LOOSE_BESIDE.match(arg)) is not None:
        if found["magnitude"] not in MAGNITUDES:
            raise ValueError(f"{predicate}: unknown magnitude {found['magnitude']!r} in {arg!r} "
                             f"(expected {', '.join(MAGNITUDES)})")
        if found["direction"] not in DIRECTIONS:
            raise ValueError(f"{predicate}: unknown direction {found['direction']!r} in {arg!r} "
                             f"(expected {', '.join(DIRECTIONS)})")
        _check_argument(predicate, found["anchor"], "any", spec)
        return
    raise ValueError(f"{predicate}: unknown location {arg!r} (expected one of "
                     f"{', '.join(LOCATION_NAMES)}, a place like 'a little to the left of the "
                     "blue bowl' or 'where the red block started')")


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
