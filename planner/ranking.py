"""The SayCan ranking: language scores and affordances in, options best first out.

Pure: no model, no prompt, no I/O. p_LLM is the softmax of the options' language scores over the
option set, so combined values (p_LLM x affordance) are comparable across steps. A language score
is the sum of the option's token log-probabilities (SayCan's default), with "mean" their mean per
token, with "char" the sum per character of the option text. Ties go to the higher language
score, then to the earlier option.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from planner.llm import ContinuationScore
from skills.types import AffordedOption, ScoredOption

Normalisation = Literal["sum", "mean", "char"]
NORMALISATIONS = ("sum", "mean", "char")


@dataclass(frozen=True)
class Ranking:
    """The scored options twice: in the order they were given, and best first."""

    scored: tuple[ScoredOption, ...]
    ranked: tuple[ScoredOption, ...]

    @property
    def best_combined(self) -> float:
        return max(s.combined for s in self.scored)


def language_score(score: ContinuationScore, text: str, normalisation: Normalisation) -> float:
    if normalisation == "mean":
        return score.logprob / max(score.n_tokens, 1)
    if normalisation == "char":
        return score.logprob / max(len(text), 1)
    return score.logprob


def softmax(log_scores: Sequence[float]) -> list[float]:
    """p_LLM: the language scores as probabilities over the option set (what `combined`
    multiplies by the affordance)."""
    if not log_scores:
        return []
    peak = max(log_scores)
    weights = [math.exp(v - peak) for v in log_scores]
    total = sum(weights)
    return [w / total for w in weights]


def rank_options(options: Sequence[AffordedOption], scores: Sequence[ContinuationScore],
                 texts: Sequence[str], normalisation: Normalisation = "sum") -> Ranking:
    """Rank `options` by their scores (one per option, in order; `texts` are the scored option
    texts, for "char")."""
    if not options or not len(options) == len(scores) == len(texts):
        raise ValueError(f"need one score and one text per option, got {len(options)} options, "
                         f"{len(scores)} scores and {len(texts)} texts")
    llm = [language_score(s, t, normalisation) for s, t in zip(scores, texts, strict=True)]
    if not all(math.isfinite(v) for v in llm):
        raise ValueError(f"language scores must be finite, got {llm}")
    if not all(0.0 <= a.affordance <= 1.0 for a in options):
        raise ValueError(f"affordances must be in [0, 1], got {[a.affordance for a in options]}")
    scored = tuple(
        ScoredOption(a.option, s.logprob, s.n_tokens, a.affordance, p * a.affordance,
                     llm_score=v)
        for a, s, v, p in zip(options, scores, llm, softmax(llm), strict=True)
    )
    order = sorted(range(len(scored)),
                   key=lambda i: (-scored[i].combined, -scored[i].llm_score, i))
    return Ranking(scored, tuple(scored[i] for i in order))
