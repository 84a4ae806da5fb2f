"""Retrieved demonstrations as few-shot examples: for each episode, the demonstrations most
similar to its command and scene (colour and location names aside), most similar last.

The examples depend only on the command and the first scene, so every step of an episode has
the same header and the model's KV cache of it is reused from step to step.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from perception.types import COLOR_NAMES, Scene
from skills.workspace import LOCATION_NAMES

_COLOR = re.compile(r"\b(" + "|".join(COLOR_NAMES) + r")\b")
_LOCATION = re.compile("|".join(sorted(LOCATION_NAMES, key=len, reverse=True)))
_WORD = re.compile(r"[a-z]+")


def command_terms(command: str) -> Counter[str]:
    """Words and word pairs of a command with colours and locations made generic."""
    text = _LOCATION.sub(" place ", _COLOR.sub(" color ", command.lower()))
    words = _WORD.findall(text)
    return Counter(words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)])


@dataclass(frozen=True)
class Demo:
    """A demonstration as an example: its command, scene size and whole transcript."""

    command: str
    n_blocks: int
    n_bowls: int
    text: str
    terms: Counter[str] = field(default_factory=Counter, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", command_terms(self.command))


@dataclass(frozen=True)
class Retriever:
    """pool: the demonstrations to choose from; k: examples per episode."""

    pool: tuple[Demo, ...]
    k: int = 3

    def __post_init__(self) -> None:
        if self.k < 1 or not self.pool:
            raise ValueError("a retriever needs k >= 1 and a non-empty pool")
        documents = Counter(term for demo in self.pool for term in set(demo.terms))
        object.__setattr__(self, "_idf", {t: math.log(len(self.pool) / n)
                                          for t, n in documents.items()})

    def select(self, command: str, scene: Scene) -> tuple[Demo, ...]:
        query = command_terms(command)
        n_blocks, n_bowls = len(scene.blocks), len(scene.bowls)
        scored = sorted(
            range(len(self.pool)),
            key=lambda i: (-self._similarity(query, self.pool[i], n_blocks, n_bowls), i))
        return tuple(self.pool[i] for i in reversed(scored[:self.k]))

    def _similarity(self, query: Counter[str], demo: Demo, n_blocks: int, n_bowls: int
                    ) -> float:
        idf: dict[str, float] = self._idf  # type: ignore[attr-defined]
        dot = sum(query[t] * demo.terms[t] * idf.get(t, 0.0) ** 2 for t in query)
        norm = math.sqrt(sum((c * idf.get(t, 0.0)) ** 2 for t, c in query.items())) * \
            math.sqrt(sum((c * idf.get(t, 0.0)) ** 2 for t, c in demo.terms.items()))
        text = dot / norm if norm else 0.0
        size = 1.0 / (1.0 + abs(demo.n_blocks - n_blocks) + 0.5 * abs(demo.n_bowls - n_bowls))
        return text + 0.1 * size


def demos_from_transcripts(transcripts: Sequence[tuple[str, str]]) -> tuple[Demo, ...]:
    """(command, transcript) pairs as Demos; the scene size is read from the objects line."""
    out = []
    for command, text in transcripts:
        objects = text.split("\n", 1)[0]
        out.append(Demo(command, objects.count(" block"), objects.count(" bowl"), text))
    return tuple(out)
