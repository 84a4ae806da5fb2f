"""The SayCan ranking: language scores and affordances in, options best first out.

Pure: no model, no prompt, no I/O. p_LLM is the softmax of the options' language scores over the
option set, so combined values (p_LLM x affordance) are comparable across steps. A language score
is the sum of the option's token log-probabilities (SayCan's default), with "mean" their mean per
token, with "char" the sum per character of the option text. Ties go to the higher language
score, then to the earlier option. After a best-first search some options are pruned, their
scores upper bounds (`language_probabilities` says what p_LLM is then); they rank after the
scored ones.
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
        return max((s.combined for s in self.scored if not s.bound), default=0.0)


def best_probability(ranking: Ranking, scored_mass: float = 1.0) -> tuple[float, float]:
    """p_LLM of the best-ranked option as (lower, upper) bounds: its softmax over the scored
    options times `scored_mass`, and that softmax alone. Equal (exact) when nothing was pruned
    (`scored_mass` 1); after a best-first search the exact value lies between them."""
    exact = [s.llm_score for s in ranking.scored if not s.bound]
    best = ranking.ranked[0]
    if best.bound or not exact:
        return 0.0, 1.0
    peak = max(exact)
    log_z = peak + math.log(sum(math.exp(v - peak) for v in exact))
    upper = min(1.0, math.exp(best.llm_score - log_z))
    return upper * scored_mass, upper


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


def language_probabilities(log_scores: Sequence[float], bounded: Sequence[bool] = (),
                           scored_mass: float = 1.0) -> list[float]:
    """p_LLM: the softmax of the language scores over the option set. When some scores are
    upper bounds (`bounded`, options pruned by the best-first search) and at least `scored_mass`
    of the probability lies with the scored options: a scored option's softmax over the scored
    options times `scored_mass` (a lower bound, exact to within that factor); a pruned option's
    upper bound exp(v) / (exp(v) + the scored options' sum)."""
    if not any(bounded):
        return softmax(log_scores)
    exact = [v for v, b in zip(log_scores, bounded, strict=True) if not b]
    if not exact:
        return [1.0] * len(log_scores)
    peak = max(exact)
    log_z = peak + math.log(sum(math.exp(v - peak) for v in exact))
    return [_logistic(v - log_z) if b else math.exp(v - log_z) * scored_mass
            for v, b in zip(log_scores, bounded, strict=True)]


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700.0 else 0.0


def rank_options(options: Sequence[AffordedOption], scores: Sequence[ContinuationScore],
                 texts: Sequence[str], normalisation: Normalisation = "sum",
                 bounded: Sequence[bool] = (), scored_mass: float = 1.0) -> Ranking:
    """Rank `options` by their scores (one per option, in order; `texts` are the scored option
    texts, for "char"; `bounded`: which scores are upper bounds, `scored_mass` the share of
    probability the others hold at least)."""
    if not options or not len(options) == len(scores) == len(texts):
        raise ValueError(f"need one score and one text per option, got {len(options)} options, "
                         f"{len(scores)} scores and {len(texts)} texts")
    llm = [language_score(s, t, normalisation) for s, t in zip(scores, texts, strict=True)]
    if not all(math.isfinite(v) for v in llm):
        raise ValueError(f"language scores must be finite, got {llm}")
    if not all(0.0 <= a.affordance <= 1.0 for a in options):
        raise ValueError(f"affordances must be in [0, 1], got {[a.affordance for a in options]}")
    bounds = tuple(bounded) or (False,) * len(llm)
    scored = tuple(
        ScoredOption(a.option, s.logprob, s.n_tokens, a.affordance, p * a.affordance,
                     llm_score=v, bound=b)
        for a, s, v, p, b in zip(options, scores, llm,
                                 language_probabilities(llm, bounds, scored_mass), bounds,
                                 strict=True)
    )
    order = sorted(range(len(scored)),
                   key=lambda i: (scored[i].bound, -scored[i].combined, -scored[i].llm_score, i))
    return Ranking(scored, tuple(scored[i] for i in order))
