"""The language-model seam of the planner: score continuations of a prompt, or options in
whatever way a backend can (echoed log-probabilities, a chat model's choice, free text)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from skills.types import SearchSummary

LOGPROB_SLACK = 1e-3  # a log-probability a server rounded to just above 0 is still one


def logprob_problem(value: object, n_tokens: int = 1) -> str | None:
    """Why `value` (summed over `n_tokens` tokens) is no log-probability: not a number, not
    finite, or above 0 (beyond rounding); None when it is one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{shown(value)}, which is not a number"
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        return f"{shown(value)}, which is not finite"
    if not math.isfinite(number):
        return f"{number}, which is not finite"
    if number > LOGPROB_SLACK * max(n_tokens, 1):
        return f"{number:g}, which is above 0"
    return None


def shown(value: object, limit: int = 60) -> str:
    """`value` for a one-line message: its repr, cut to `limit` characters."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # nested too deep, an int of over 4300 digits
        text = f"a {type(value).__name__} too large to show"
    return text if len(text) <= limit else text[:limit - 3] + "..."


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


class ScoreError(ValueError):
    """A language model returned a score that is no log-probability (NaN, infinite, above 0,
    not a number): the planner stops before anything moves. The message names the model."""


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
    """The model's OptionScores: its own `score_options` if it has one, else its text scores.
    One log-probability per continuation or a ScoreError naming the model and what it returned."""
    if isinstance(model, OptionScorer):
        result = model.score_options(prompt, continuations)
    else:
        result = OptionScores(tuple(model.score(prompt, continuations)))
    if len(result.scores) != len(continuations):
        raise ScoreError(f"the language model {model.name} returned {len(result.scores)} scores "
                         f"for {len(continuations)} options")
    for score, text in zip(result.scores, continuations, strict=True):
        if problem := logprob_problem(score.logprob, score.n_tokens):
            raise ScoreError(f"the language model {model.name} returned a log-probability of "
                             f"{problem} for {text.strip()!r}")
    return result
