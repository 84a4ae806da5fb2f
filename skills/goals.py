"""Goal predicates (pure data) and their one evaluation, over any `WorldView`.

A goal is a tuple of predicates that must all hold at the end. A task may also have waypoints:
predicates that must each hold at some moment of the episode, in order, before the end ("put it
in the bowl, then put it back where it was": the end alone cannot tell that from doing nothing).
The benchmark's end-of-episode check and the
tests ask a `skills.snapshot.WorldSnapshot` of the simulator; plan success asks the symbolic
model (`skills.symbolic.SymbolicState`) after the plan's steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from skills.places import CORNERS, LINES, is_place, line_spot
from skills.skill_set import SkillSet
from skills.symbolic import TABLE, SymbolicState
from skills.types import Option


@dataclass(frozen=True)
class In:
    block: str
    bowl: str


@dataclass(frozen=True)
class On:
    top: str
    bottom: str


@dataclass(frozen=True)
class At:
    """The block rests on the table at a named location or a place (`skills.places`: beside
    an object, where an object started)."""

    block: str
    location: str


@dataclass(frozen=True)
class Stacked:
    """objects[0] is the bottom, objects[-1] the top; each rests on the one before it."""

    objects: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "objects", tuple(self.objects))
        if len(self.objects) < 2:
            raise ValueError(f"stacked needs at least two objects, got {list(self.objects)}")


@dataclass(frozen=True)
class Tower:
    """All these blocks form one stack, in any order."""

    objects: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "objects", tuple(self.objects))
        if len(self.objects) < 2:
            raise ValueError(f"tower needs at least two objects, got {list(self.objects)}")


@dataclass(frozen=True)
class Unmoved:
    """The object ends within 2 cm of where it started."""

    obj: str


@dataclass(frozen=True)
class NotIn:
    block: str
    bowl: str


def _two_or_more(kind: str, objects: tuple[str, ...]) -> None:
    if len(objects) < 2:
        raise ValueError(f"{kind} needs at least two blocks, got {list(objects)}")


@dataclass(frozen=True)
class Line:
    """The blocks stand on the table in one line of this kind (`skills.places.LINES`:
    horizontal, vertical or diagonal), in any order."""

    line: str
    objects: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "objects", tuple(self.objects))
        if self.line not in LINES:
            raise ValueError(f"unknown line {self.line!r} (expected {', '.join(LINES)})")
        _two_or_more(f"a {self.line} line", self.objects)


@dataclass(frozen=True)
class Corners:
    """Each block stands at a different corner of the table (any assignment)."""

    objects: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "objects", tuple(self.objects))
        if len(self.objects) > len(CORNERS):
            raise ValueError(f"{len(self.objects)} blocks cannot stand at different corners "
                             f"of a table with {len(CORNERS)}")
        if not self.objects:
            raise ValueError("corners needs at least one block")


@dataclass(frozen=True)
class AllAt:
    """Every block rests at the named location, or on a stack standing there."""

    location: str
    objects: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "objects", tuple(self.objects))
        if not self.objects:
            raise ValueError(f"all_at({self.location}) names no block")


Predicate = In | On | At | Stacked | Tower | Unmoved | NotIn | Line | Corners | AllAt
Goal = tuple[Predicate, ...]

PREDICATE_TYPES: dict[str, type] = {
    "in": In, "on": On, "at": At, "stacked": Stacked, "tower": Tower, "unmoved": Unmoved,
    "not_in": NotIn, "line": Line, "corners": Corners, "all_at": AllAt,
}
ARITY: dict[str, int | None] = {  # None: a variable number (the class checks it)
    "in": 2, "on": 2, "at": 2, "stacked": None, "tower": None, "unmoved": 1, "not_in": 2,
    "line": None, "corners": None, "all_at": None,
}
_LEADING_ARGUMENT = ("line", "all_at")  # first argument a line kind or a location, then blocks


def make_predicate(name: str, args: Sequence[str]) -> Predicate:
    """A predicate from its file form, e.g. ("in", ["red block", "red bowl"])."""
    if name not in PREDICATE_TYPES:
        raise ValueError(f"unknown predicate {name!r} (expected one of "
                         f"{', '.join(PREDICATE_TYPES)})")
    args = [str(a).strip() for a in args]
    arity = ARITY[name]
    if arity is not None and len(args) != arity:
        raise ValueError(f"predicate {name!r} takes {arity} arguments, got {args}")
    if name in _LEADING_ARGUMENT:
        if not args:
            first = "line kind" if name == "line" else "location"
            raise ValueError(f"predicate {name!r} takes a {first} and blocks, got none")
        return PREDICATE_TYPES[name](args[0], tuple(args[1:]))
    if name in ("stacked", "tower") and len(args) < 2:
        raise ValueError(f"predicate {name!r} takes two or more arguments, got {args}")
    if arity is None:
        return PREDICATE_TYPES[name](tuple(args))
    return PREDICATE_TYPES[name](*args)


def predicate_name(predicate: Predicate) -> str:
    return next(k for k, v in PREDICATE_TYPES.items() if isinstance(predicate, v))


def predicate_args(predicate: Predicate) -> tuple[str, ...]:
    if isinstance(predicate, Stacked | Tower | Corners):
        return predicate.objects
    if isinstance(predicate, Line):
        return (predicate.line, *predicate.objects)
    if isinstance(predicate, AllAt):
        return (predicate.location, *predicate.objects)
    return tuple(getattr(predicate, f) for f in predicate.__dataclass_fields__)


def describe(predicate: Predicate) -> str:
    """e.g. `in(red block, blue bowl)`."""
    return f"{predicate_name(predicate)}({', '.join(predicate_args(predicate))})"


class WorldView(Protocol):
    """What the goal predicates ask of a table: the simulator's and the remote world's
    snapshots (`skills.snapshot.WorldSnapshot`) and the symbolic model
    (`skills.symbolic.SymbolicState`) all answer it."""

    def is_in(self, block: str, bowl: str) -> bool: ...

    def is_on(self, top: str, bottom: str) -> bool: ...

    def is_at(self, block: str, location: str) -> bool: ...

    def is_unmoved(self, obj: str) -> bool: ...

    def is_over(self, block: str, location: str) -> bool:
        """The block rests at the named location or on a stack standing there."""
        ...

    def is_in_line(self, blocks: Sequence[str], line: str) -> bool: ...


def holds(view: WorldView, predicate: Predicate) -> bool:
    """Whether the predicate holds on the table `view` describes."""
    if isinstance(predicate, In):
        return view.is_in(predicate.block, predicate.bowl)
    if isinstance(predicate, NotIn):
        return not view.is_in(predicate.block, predicate.bowl)
    if isinstance(predicate, On):
        return view.is_on(predicate.top, predicate.bottom)
    if isinstance(predicate, At):
        return view.is_at(predicate.block, predicate.location)
    if isinstance(predicate, Stacked):
        pairs = zip(predicate.objects, predicate.objects[1:], strict=False)
        return all(view.is_on(top, bottom) for bottom, top in pairs)
    if isinstance(predicate, Tower):
        members = predicate.objects

        def rests_on(obj: str) -> str | None:
            return next((o for o in members if o != obj and view.is_on(obj, o)), None)
        return is_one_tower(members, rests_on)
    if isinstance(predicate, Unmoved):
        return view.is_unmoved(predicate.obj)
    if isinstance(predicate, Line):
        return view.is_in_line(predicate.objects, predicate.line)
    if isinstance(predicate, Corners):
        found = [next((c for c in CORNERS if view.is_at(obj, c)), None)
                 for obj in predicate.objects]
        return None not in found and len(set(found)) == len(found)
    if isinstance(predicate, AllAt):
        return all(view.is_over(obj, predicate.location) for obj in predicate.objects)
    raise TypeError(f"not a predicate: {predicate!r}")


def is_one_tower(objects: Sequence[str], rests_on: Callable[[str], str | None]) -> bool:
    """The objects form one stack: exactly one rests on none of the others, and each of the
    others rests on a different one of them."""
    members = set(objects)
    supports = [rests_on(obj) for obj in objects]
    inside = [s for s in supports if s in members]
    return len(inside) == len(members) - 1 and len(set(inside)) == len(inside)


def unmet(goal: Goal, view: WorldView) -> list[Predicate]:
    return [p for p in goal if not holds(view, p)]


def advance(waypoints: Goal, reached: int, view: WorldView) -> int:
    """How many waypoints have held in order once the table is `view`, `reached` before."""
    while reached < len(waypoints) and holds(view, waypoints[reached]):
        reached += 1
    return reached


def unmet_along(goal: Goal, waypoints: Goal, views: Sequence[WorldView]) -> list[Predicate]:
    """The waypoints not reached in order over the views (the table at the start and after
    each step), then the goal's predicates that do not hold on the last view."""
    reached = 0
    for view in views:
        reached = advance(waypoints, reached, view)
    return list(waypoints[reached:]) + unmet(goal, views[-1])


def evaluate_plan(
    goal: Goal, blocks: Iterable[str], steps: Iterable[Option], skills: SkillSet,
    start_on: Iterable[tuple[str, str]] = (), waypoints: Goal = (),
) -> tuple[bool, list[Predicate]]:
    """Apply the planned steps' symbolic effects to the scene's blocks, on the table at first
    unless `start_on` has them on another object ((block, support) pairs); were the waypoints
    reached in order, and does the goal hold at the end? Returns (success, the predicates left
    unmet)."""
    initial = SymbolicState.initial(blocks)
    states = skills.trajectory(SymbolicState({**initial.support, **dict(start_on)}), list(steps))
    left = unmet_along(goal, waypoints, states)
    return not left, left


def resting_predicate(block: str, support: str, locations: Iterable[str]
                      ) -> Predicate | None:
    """"`block` rests on `support`" as a goal predicate: at a named location, in a bowl, on a
    block; None on the table."""
    if support in set(locations) or is_place(support):
        return At(block, support)
    if support.endswith(" bowl"):
        return In(block, support)
    return None if support == TABLE else On(block, support)


def step_effects(step: Option, blocks: Iterable[str], locations: Iterable[str],
                 skills: SkillSet) -> list[Predicate]:
    """What one step sets out to make true, from its skill's symbolic effect on the blocks (all
    on the table): `pick_and_place(red block, blue bowl)` -> `in(red block, blue bowl)`; a skill
    that moves nothing, none."""
    names = list(locations)
    state = skills.apply(SymbolicState.initial(blocks), [step])
    found = (resting_predicate(block, state.support[block], names) for block in state.moved)
    return [predicate for predicate in found if predicate is not None]


def goal_moves(goal: Goal) -> list[tuple[str, str]]:
    """The (block, target) moves a goal asks for, in the order its predicates give them
    (a tower bottom first; a line's blocks to its spots in order, different corners in
    `CORNERS` order, all at a location as a stack there). unmoved and not_in ask for none."""
    moves: list[tuple[str, str]] = []
    for predicate in goal:
        if isinstance(predicate, Line):
            moves += [(obj, line_spot(predicate.line, k))
                      for k, obj in enumerate(predicate.objects, start=1)]
        elif isinstance(predicate, Corners):
            moves += list(zip(predicate.objects, CORNERS, strict=False))
        elif isinstance(predicate, AllAt):
            below = (predicate.location, *predicate.objects)
            moves += list(zip(predicate.objects, below, strict=False))
        elif isinstance(predicate, In):
            moves.append((predicate.block, predicate.bowl))
        elif isinstance(predicate, On):
            moves.append((predicate.top, predicate.bottom))
        elif isinstance(predicate, At):
            moves.append((predicate.block, predicate.location))
        elif isinstance(predicate, Stacked | Tower):
            moves += list(zip(predicate.objects[1:], predicate.objects, strict=False))
    return list(dict.fromkeys(moves))
