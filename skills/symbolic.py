"""The symbolic model of a table: what supports each block, and which objects were moved.

It answers the goal predicates' questions (`skills.goals.WorldView`) from supports alone, so
a plan can be judged without physics: each skill's symbolic effect
(`skills.skill.Skill.apply`) turns one state into the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from skills.places import line_spot

TABLE = "table"


@dataclass(frozen=True)
class SymbolicState:
    """support: what each block rests on (the table, a bowl, another block or a named
    location). moved: the objects some step moved."""

    support: Mapping[str, str]
    moved: frozenset[str] = frozenset()

    @classmethod
    def initial(cls, blocks: Iterable[str]) -> SymbolicState:
        return cls({block: TABLE for block in blocks})

    def covered(self, obj: str) -> bool:
        return any(below == obj for below in self.support.values())

    def put(self, block: str, target: str) -> SymbolicState:
        """The state with `block` moved onto `target` (no check that it could be)."""
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

    def is_in(self, block: str, bowl: str) -> bool:
        return bowl in self.chain(block)

    def is_on(self, top: str, bottom: str) -> bool:
        return self.support.get(top) == bottom

    def is_at(self, block: str, location: str) -> bool:
        return self.support.get(block) == location

    def is_unmoved(self, obj: str) -> bool:
        return obj not in self.moved

    def is_over(self, block: str, location: str) -> bool:
        """At the location, or on a stack whose bottom is at it."""
        chain = [self.support.get(block, TABLE), *self.chain(block)]
        return location in chain

    def is_in_line(self, blocks: Sequence[str], line: str) -> bool:
        """Each block at a different spot of the line (the symbolic model knows no positions:
        a line made of other places is not seen as one)."""
        spots = {line_spot(line, k) for k in range(1, len(self.support) + 1)}
        at = [self.support.get(block) for block in blocks]
        return all(s in spots for s in at) and len(set(at)) == len(at)
