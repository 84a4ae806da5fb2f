"""The language-model seam of the planner: score continuations of a prompt, or options in
whatever way a backend can (echoed log-probabilities, a chat model's choice, free text)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from skills.types import SearchSummary


@dataclass(frozen=True)
class ContinuationScore:
    """log p(continuation | prompt): the sum of its tokens' log-probabilities (natural log)."""

    logprob: float
    n_tokens: int
    token_logprobs: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.n_tokens < 0:
            raise ValueError(f"n_tokens must be >= 0, got {self.n_tokens}")


@dataclass(frozen=True)
class OptionScores:
    """A model's verdict on a set of options: one log-probability per option, in order.

    mode: how they were obtained ("logprob": log p(option text | prompt), summed over tokens;
    "choice": log p(the option's label) from a chat model; "generate": 0 for the option the
    model's free text matched, -inf for the rest). detail: mode-specific facts for the trace
    (JSON-able). abstain: non-empty when the model chose none of the options; the planner then
    answers done() with this as the reason. bounded: per option, True when the search pruned it
    (its score is an upper bound); search: how the options were scored, when the model says.
    """

    scores: tuple[ContinuationScore, ...]
    mode: str = "logprob"
    detail: Mapping[str, Any] = field(default_factory=dict)
    abstain: str = ""
    bounded: tuple[bool, ...] = ()
    search: SearchSummary | None = None

    @property
    def text_logprobs(self) -> bool:
        """The scores are log-probabilities of the option texts (length normalisation applies)."""
        return self.mode == "logprob"


class ContextOverflowError(ValueError):
    """The prompt plus a continuation does not fit in the model's context window."""


class EndpointError(ConnectionError):
    """A remote language model cannot be used: unreachable, refusing, or not able to do what the
    configured mode needs. The message names the endpoint and the problem (never an API key)."""


@runtime_checkable
class LanguageModel(Protocol):
    """Anything that can score continuations of a prompt (llama.cpp, an OpenAI endpoint, ...)."""

    @property
    def name(self) -> str: ...

    def score(self, prompt: str, continuations: Sequence[str]) -> list[ContinuationScore]:
        """One score per continuation, in the order given."""
        ...


@runtime_checkable
class OptionScorer(Protocol):
    """A model that scores options in its own way (e.g. a chat model choosing a label)."""

    @property
    def name(self) -> str: ...

    def score_options(self, prompt: str, continuations: Sequence[str]) -> OptionScores: ...


def score_options(model: LanguageModel | OptionScorer, prompt: str,
                  continuations: Sequence[str]) -> OptionScores:
    """The model's OptionScores: its own `score_options` if it has one, else its text scores."""
    if isinstance(model, OptionScorer):
        return model.score_options(prompt, continuations)
    return OptionScores(tuple(model.score(prompt, continuations)))
