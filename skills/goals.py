"""Goal predicates (pure data) and the symbolic evaluator that decides plan success.

A goal is a tuple of predicates that must all hold. The symbolic model of a scene knows only what
supports each block: the table (where it started), a bowl, another block or a named location.
A planned `pick_and_place(block, target)` puts the block on the target; a block that something
rests on cannot be picked (the step changes nothing, as on the real arm the affordance vetoes it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

TABLE = "table"


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


Predicate = In | On | At | Stacked | Tower | Unmoved | NotIn
Goal = tuple[Predicate, ...]

PREDICATE_TYPES: dict[str, type] = {
    "in": In, "on": On, "at": At, "stacked": Stacked, "tower": Tower, "unmoved": Unmoved,
    "not_in": NotIn,
}
ARITY: dict[str, int | None] = {  # None: two or more
    "in": 2, "on": 2, "at": 2, "stacked": None, "tower": None, "unmoved": 1, "not_in": 2,
}


def make_predicate(name: str, args: Sequence[str]) -> Predicate:
    """A predicate from its file form, e.g. ("in", ["red block", "red bowl"])."""
    if name not in PREDICATE_TYPES:
        raise ValueError(f"unknown predicate {name!r} (expected one of "
                         f"{', '.join(PREDICATE_TYPES)})")
    args = [str(a).strip() for a in args]
    arity = ARITY[name]
    if (arity is None and len(args) < 2) or (arity is not None and len(args) != arity):
        want = "two or more" if arity is None else str(arity)
        raise ValueError(f"predicate {name!r} takes {want} arguments, got {args}")
    if name in ("stacked", "tower"):
        return PREDICATE_TYPES[name](tuple(args))
    return PREDICATE_TYPES[name](*args)


def predicate_name(predicate: Predicate) -> str:
    return next(k for k, v in PREDICATE_TYPES.items() if isinstance(predicate, v))


def predicate_args(predicate: Predicate) -> tuple[str, ...]:
    if isinstance(predicate, Stacked | Tower):
        return predicate.objects
    return tuple(getattr(predicate, f) for f in predicate.__dataclass_fields__)


def describe(predicate: Predicate) -> str:
    """e.g. `in(red block, blue bowl)`."""
    return f"{predicate_name(predicate)}({', '.join(predicate_args(predicate))})"


@dataclass(frozen=True)
class SymbolicState:
    """What supports each block, and which objects were moved."""

    support: Mapping[str, str]
    moved: frozenset[str] = frozenset()

    @classmethod
    def initial(cls, blocks: Iterable[str]) -> SymbolicState:
        return cls({block: TABLE for block in blocks})

    def covered(self, obj: str) -> bool:
        return any(below == obj for below in self.support.values())

    def apply(self, block: str, target: str) -> SymbolicState:
        """pick_and_place(block, target); no change when it cannot be done."""
        if block not in self.support or block == target or self.covered(block):
            return self
        if target in self.support and self.covered(target):
            return self
        return SymbolicState({**self.support, block: target}, self.moved | {block})

    def chain(self, block: str) -> list[str]:
        """The supports under a block, nearest first, down to the table, a bowl or a location."""
        out, seen = [], {block}
        below = self.support.get(block, TABLE)
        while below != TABLE and below not in seen:
            out.append(below)
            seen.add(below)
            below = self.support.get(below, TABLE)
        return out

    def holds(self, predicate: Predicate) -> bool:
        if isinstance(predicate, In):
            return predicate.bowl in self.chain(predicate.block)
        if isinstance(predicate, NotIn):
            return predicate.bowl not in self.chain(predicate.block)
        if isinstance(predicate, On):
            return self.support.get(predicate.top) == predicate.bottom
        if isinstance(predicate, At):
            return self.support.get(predicate.block) == predicate.location
        if isinstance(predicate, Stacked):
            pairs = zip(predicate.objects, predicate.objects[1:], strict=False)
            return all(self.support.get(top) == bottom for bottom, top in pairs)
        if isinstance(predicate, Tower):
            return is_one_tower(predicate.objects, self.support.get)
        if isinstance(predicate, Unmoved):
            return predicate.obj not in self.moved
        raise TypeError(f"not a predicate: {predicate!r}")


def is_one_tower(objects: Sequence[str], rests_on: Callable[[str], str | None]) -> bool:
    """The objects form one stack: exactly one rests on none of the others, and each of the
    others rests on a different one of them."""
    members = set(objects)
    supports = [rests_on(obj) for obj in objects]
    inside = [s for s in supports if s in members]
    return len(inside) == len(members) - 1 and len(set(inside)) == len(inside)


def unmet(goal: Goal, state: SymbolicState) -> list[Predicate]:
    return [p for p in goal if not state.holds(p)]


def evaluate_plan(
    goal: Goal, blocks: Iterable[str], steps: Iterable[tuple[str, str]]
) -> tuple[bool, list[Predicate]]:
    """Apply the planned (block, target) steps to the scene's symbolic model; does the goal hold?
    Returns (success, the predicates left unmet)."""
    state = SymbolicState.initial(blocks)
    for block, target in steps:
        state = state.apply(block, target)
    left = unmet(goal, state)
    return not left, left


def goal_moves(goal: Goal) -> list[tuple[str, str]]:
    """The (block, target) moves a goal asks for, in the order its predicates give them
    (a tower bottom first). unmoved and not_in ask for none."""
    moves: list[tuple[str, str]] = []
    for predicate in goal:
        if isinstance(predicate, In):
            moves.append((predicate.block, predicate.bowl))
        elif isinstance(predicate, On):
            moves.append((predicate.top, predicate.bottom))
        elif isinstance(predicate, At):
            moves.append((predicate.block, predicate.location))
        elif isinstance(predicate, Stacked | Tower):
            moves += list(zip(predicate.objects[1:], predicate.objects, strict=False))
    return list(dict.fromkeys(moves))
