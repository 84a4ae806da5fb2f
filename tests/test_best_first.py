"""The best-first search's bookkeeping (planner.best_first) against brute force, on random tries
with a stand-in for the model's logits rows (no model): the same choice as scoring every option,
exact scores where it scored, valid bounds on the rest and on the mass they hold."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import numpy as np
import pytest

from planner.best_first import BestFirstSearch, Node, OptionTrie, Outcome
from planner.llm import ContinuationScore
from planner.ranking import language_probabilities, rank_options
from skills.types import AffordedOption, Option

VOCAB = 5
Rows = Callable[[Node], dict[int, float]]


def random_rows(seed: int, sharpness: float) -> Rows:
    """A fixed log-softmax row per node (sharpness 0: every token equally likely, many ties)."""
    def row(node: Node) -> dict[int, float]:
        rng = np.random.default_rng([seed, len(node), *node])
        logits = rng.normal(size=VOCAB) * sharpness
        values = logits - logits.max() - math.log(np.exp(logits - logits.max()).sum())
        return {t: float(min(v, 0.0)) for t, v in enumerate(values)}
    return row


def random_options(rng: random.Random) -> list[tuple[int, ...]]:
    found: set[tuple[int, ...]] = set()
    while len(found) < rng.randint(1, 40):
        found.add(tuple(rng.randrange(VOCAB) for _ in range(rng.randint(1, 6))))
    return sorted(found, key=lambda _: rng.random())


def run(options: list[tuple[int, ...]], affordances: list[float], rows: Rows, margin: float,
        max_jobs: int) -> tuple[Outcome, int]:
    """The search as a runner drives it; returns the outcome and the rows computed."""
    trie = OptionTrie(options, affordances)
    state = BestFirstSearch(trie, margin=margin, max_chain=3)
    computed = 0
    if trie.needs_row(()):
        state.add_row((), rows(()))
        computed += 1
    while chains := state.jobs(max_jobs):
        for chain in chains:
            for node in chain:
                state.add_row(node, rows(node))
                computed += 1
    return state.outcome(), computed


def exact(option: tuple[int, ...], rows: Rows) -> float:
    return float(sum(rows(option[:j])[t] for j, t in enumerate(option)))


def chosen(options: list[tuple[int, ...]], affordances: list[float], logprobs: list[float],
           bounded: tuple[bool, ...] = (), scored_mass: float = 1.0) -> str:
    afforded = [AffordedOption(Option("s", (str(o),), str(o)), a)
                for o, a in zip(options, affordances, strict=True)]
    scores = [ContinuationScore(v, len(o)) for v, o in zip(logprobs, options, strict=True)]
    texts = [str(o) for o in options]
    ranking = rank_options(afforded, scores, texts, "sum", bounded, scored_mass)
    return ranking.ranked[0].option.text if ranking.best_combined > 0 else "stop"


@pytest.mark.parametrize("sharpness", [0.0, 1.0, 4.0])
@pytest.mark.parametrize(("margin", "max_jobs"), [(0.0, 1), (1.0, 4), (math.inf, 50)])
def test_the_choice_is_the_exhaustive_argmax(sharpness: float, margin: float,
                                             max_jobs: int) -> None:
    rng = random.Random(f"{sharpness}-{margin}")
    pruned = rows_saved = 0
    for case in range(150):
        options = random_options(rng)
        affordances = [rng.choice((0.0, 0.0, 0.3, 0.5, 1.0, 1.0)) for _ in options]
        rows = random_rows(case, sharpness)
        outcome, computed = run(options, affordances, rows, margin, max_jobs)
        truth = [exact(o, rows) for o in options]
        bounded = tuple(not s for s in outcome.scored)
        assert chosen(options, affordances, list(outcome.logprobs), bounded,
                      outcome.scored_mass) == chosen(options, affordances, truth)
        for o, value, was_scored, true in zip(options, outcome.logprobs, outcome.scored, truth,
                                              strict=True):
            assert value == true if was_scored else value >= true
            assert len(outcome.token_logprobs[options.index(o)]) <= len(o)
        mass = [math.exp(v) for v in truth]
        share = sum(m for m, b in zip(mass, bounded, strict=True) if not b) / sum(mass)
        assert 0.0 <= outcome.scored_mass <= share * (1 + 1e-12)
        true_p = language_probabilities(truth)
        shown = language_probabilities(list(outcome.logprobs), bounded, outcome.scored_mass)
        for p, q, b in zip(true_p, shown, bounded, strict=True):
            if b:
                assert q >= p * (1 - 1e-12)
            elif q > 0:
                assert q * (1 - 1e-12) <= p <= q / outcome.scored_mass * (1 + 1e-12)
        pruned += sum(bounded)
        nodes = {o[:j] for o in options for j in range(len(o))}
        rows_saved += len(nodes) - computed
        assert computed <= len(nodes)
    if margin < math.inf or sharpness > 0:
        assert pruned > 0 and rows_saved > 0  # the search did prune (the test is not vacuous)


def test_nothing_is_decoded_when_no_option_can_win() -> None:
    options = [(1, 2), (1, 3), (4,)]
    outcome, computed = run(options, [0.0, 0.0, 0.0], random_rows(0, 1.0), 1.0, 4)
    assert computed == 0 and not any(outcome.scored) and outcome.scored_mass == 0.0


def test_a_sure_choice_scores_one_option_and_bounds_the_rest() -> None:
    """A model sure of (0, 1, 2): the rows along its path are computed (which scores its sibling
    (0, 1, 3) too), nothing else; the rest are bounded by their first differing token, and the
    scored options hold nearly all the mass."""
    def rows(node: Node) -> dict[int, float]:
        sure = (0, 1, 2)[len(node)] if node == (0, 1, 2)[:len(node)] else 0
        return {t: (math.log(0.999) if t == sure else math.log(0.001 / (VOCAB - 1)))
                for t in range(VOCAB)}

    options = [(0, 1, 2), (0, 1, 3), (0, 4, 4), (3, 0, 0), (3, 1, 1)]
    outcome, computed = run(options, [1.0] * 5, rows, 0.0, 1)
    assert outcome.scored == (True, True, False, False, False)
    assert computed == 3  # the root, (0,), (0, 1): nothing below a pruned branch
    assert outcome.logprobs[3] == math.log(0.001 / (VOCAB - 1))  # bound: its first token alone
    assert 0.99 < outcome.scored_mass < 1.0
