"""The symbolic model of a table: what supports each block, and which objects were moved.

It answers the goal predicates' questions (`skills.goals.WorldView`) from supports alone, so
a plan can be judged without physics: each skill's symbolic effect
(`skills.skill.Skill.apply`) turns one state into the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
