"""User task files: a YAML list of tasks, each checked completely before anything runs.

    - id: my-task-1
      instruction: put the blocks in the bowls with matching colors
      scene: {blocks: [red, green], bowls: [green, red], seed: 3}
      goal:
        - in: [red block, red bowl]
        - in: [green block, green bowl]

A task's id is its family in the benchmark's results (a family of one task, seed from its scene).
"""

from __future__ import annotations

import reprlib
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
# libyaml's loader where PyYAML was built with it (about 10x faster), else the pure-Python one
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 8  # a task file needs 6: the list, a task, its goal, a predicate, its arguments, one


def _short(value: Any) -> str:
    """A value for an error message, cut to a line's worth."""
    short = reprlib.Repr()
    short.maxstring, short.maxother, short.maxlist, short.maxdict, short.maxlevel = (
        60, 60, 6, 4, 2)
    return short.repr(value)


class TaskFileError(ValueError):
    """What is wrong with a task file, in one line: the file, the task id and the problem."""


def load_task_file(path: str | Path) -> list[Task]:
    """Every task of the file, each checked completely; TaskFileError at the first problem."""
    path = Path(path)
    try:
        raw = read_yaml(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TaskFileError(f"{path}: cannot read: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise TaskFileError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
                            ) from error
    except yaml.YAMLError as error:
        first_line = " ".join(str(error).split())
        raise TaskFileError(f"{path}: YAML error: {first_line}") from error
    except ValueError as error:
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


def read_yaml(text: str) -> Any:
    """The document, built straight from the (C, where present) parser's events, in one pass.

    Refused before anything grows: aliases (`*name`, and so merge keys), the way a few hundred
    bytes expand to gigabytes ("billion laughs") and which no task needs; nesting deeper than
    MAX_DEPTH; tags other than YAML's own scalars. Plain scalars resolve as PyYAML's safe loader
    resolves them (YAML 1.1: `on` is true), each distinct one once.
    """
    build = _DocumentBuilder()
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        build.add(event)
    return build.root


_NOTHING = object()
_STANDARD_TAG = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(_STANDARD_TAG + name for name in (
    "str", "int", "float", "bool", "null", "timestamp", "binary"))


class _DocumentBuilder:
    """Python values from YAML events: lists, dicts and safe scalars."""

    def __init__(self) -> None:
        self.root: Any = None
        self._documents = 0
        self._open: list[list[Any] | dict[Any, Any]] = []
        self._keys: list[Any] = []  # per open container: a mapping key awaiting its value
        self._resolver = yaml.resolver.Resolver()
        self._constructor = yaml.constructor.SafeConstructor()
        self._scalars: dict[tuple[Any, ...], Any] = {}

    def add(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):
            self._place(self._scalar(event), event)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            kind = "seq" if isinstance(event, yaml.SequenceStartEvent) else "map"
            if event.tag not in (None, "!", _STANDARD_TAG + kind):
                raise ValueError(f"{_line(event)}: the tag {event.tag} is not allowed")
            if len(self._open) >= MAX_DEPTH:
                raise ValueError(f"{_line(event)}: nested more than {MAX_DEPTH} levels deep")
            container: list[Any] | dict[Any, Any] = [] if kind == "seq" else {}
            self._place(container, event)
            self._open.append(container)
            self._keys.append(_NOTHING)
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            self._open.pop()
            self._keys.pop()
        elif isinstance(event, yaml.AliasEvent):
            raise ValueError(f"{_line(event)}: YAML aliases (*{event.anchor}) are not allowed "
                             "in a task file; write the value out in full")
        elif isinstance(event, yaml.DocumentStartEvent):
            self._documents += 1
            if self._documents > 1:
                raise ValueError(f"{_line(event)}: expected one YAML document, found more")

    def _place(self, value: Any, event: yaml.Event) -> None:
        if not self._open:
            self.root = value
            return
        top = self._open[-1]
        if isinstance(top, list):
            top.append(value)
        elif self._keys[-1] is _NOTHING:
            if isinstance(value, list | dict):
                raise ValueError(f"{_line(event)}: a mapping key must be a plain value")
            self._keys[-1] = value
        else:
            top[self._keys[-1]] = value
            self._keys[-1] = _NOTHING

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        key = (event.tag, event.value, event.implicit)
        if key in self._scalars:
            return self._scalars[key]
        tag = event.tag
        if tag is None or tag == "!":
            tag = self._resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STANDARD_TAG + "merge":
            raise ValueError(f"{_line(event)}: merge keys (<<) are not allowed in a task file")
        if tag not in SCALAR_TAGS:
            raise ValueError(f"{_line(event)}: the tag {tag} is not allowed")
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        value = self._constructor.yaml_constructors[tag](self._constructor, node)
        self._scalars[key] = value
        return value


def _line(event: yaml.Event) -> str:
    return f"line {event.start_mark.line + 1}" if event.start_mark else "somewhere"


def parse_task(entry: Any) -> Task:
    if not isinstance(entry, dict):
        raise ValueError("expected a mapping with id, instruction, scene, goal; got "
                         f"{_short(entry)}")
    unknown = set(entry) - {"id", "instruction", "scene", "goal"}
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
    extra = set(scene) - {"blocks", "bowls", "seed"}
    if extra:
        raise ValueError(f"unknown scene keys {_short(sorted(map(str, extra)))}")
    for key in ("blocks", "bowls"):
        if not isinstance(scene.get(key) or [], list):
            raise ValueError(f"scene {key} must be a list of colours, got {_short(scene[key])}")
    spec = SceneSpec(scene["blocks"], scene.get("bowls") or (), parse_seed(scene.get("seed", 0)))
    goal = entry.get("goal")
    if not isinstance(goal, list) or not goal:
        raise ValueError("goal must be a non-empty list of predicates, e.g. - in: [red block, "
                         "red bowl]")
    predicates = tuple(parse_predicate(item, spec) for item in goal)
    return Task(str(entry_id), spec.seed, instruction.strip(), spec, predicates)


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
