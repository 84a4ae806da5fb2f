"""The language-model seam of the planner: score continuations of a prompt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ContinuationScore:
    """log p(continuation | prompt): the sum of its tokens' log-probabilities (natural log)."""

    logprob: float
    n_tokens: int
    token_logprobs: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.n_tokens < 0:
            raise ValueError(f"n_tokens must be >= 0, got {self.n_tokens}")


class ContextOverflowError(ValueError):
    """The prompt plus a continuation does not fit in the model's context window."""


@runtime_checkable
class LanguageModel(Protocol):
    """Anything that can score continuations of a prompt (llama.cpp, an OpenAI endpoint, ...)."""

    @property
    def name(self) -> str: ...

    def score(self, prompt: str, continuations: Sequence[str]) -> list[ContinuationScore]:
        """One score per continuation, in the order given."""
        ...
