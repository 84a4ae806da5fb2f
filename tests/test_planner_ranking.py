"""The SayCan ranking as a pure function (planner.ranking): no model, no prompt."""

from __future__ import annotations

import math
import re

import pytest

from perception.types import Detection, Scene
from planner.llm import ContinuationScore, ScoreError
from planner.ranking import rank_options
from planner.saycan import SayCanPlanner
from skills.options import AffordanceModel, enumerate_options
from skills.types import AffordedOption, Option
from tests.skill_sets import SKILLS


def option(text: str) -> Option:
    return Option("pick_and_place", (text,), text)


def test_combined_is_the_softmax_over_the_options_times_the_affordance() -> None:
    options = [AffordedOption(option("a"), 1.0), AffordedOption(option("b"), 0.5),
               AffordedOption(option("c"), 0.0)]
    scores = [ContinuationScore(-1.0, 2), ContinuationScore(-2.0, 4), ContinuationScore(-0.5, 1)]
    ranking = rank_options(options, scores, ["a", "b", "c"])
    z = sum(math.exp(s.logprob) for s in scores)
    assert [s.combined for s in ranking.scored] == pytest.approx(
        [math.exp(-1.0) / z, 0.5 * math.exp(-2.0) / z, 0.0], abs=1e-15)
    assert [s.option.text for s in ranking.ranked] == ["a", "b", "c"]
    assert [s.llm_logprob for s in ranking.scored] == [-1.0, -2.0, -0.5]  # raw sums kept
    assert ranking.best_combined == ranking.ranked[0].combined


def test_ties_go_to_the_higher_language_score_then_the_earlier_option() -> None:
    options = [AffordedOption(option(t), a) for t, a in (("x", 1.0), ("y", 0.0), ("z", 1.0),
                                                          ("w", 0.0))]
    scores = [ContinuationScore(-1.0, 1), ContinuationScore(-0.1, 1), ContinuationScore(-1.0, 1),
              ContinuationScore(-3.0, 1)]
    ranked = rank_options(options, scores, ["x", "y", "z", "w"]).ranked
    assert [s.option.text for s in ranked] == ["x", "z", "y", "w"]


@pytest.mark.parametrize(("normalisation", "expected"), [
    ("sum", [-6.0, -4.0]), ("mean", [-2.0, -4.0]), ("char", [-1.0, -2.0])])
def test_normalisations(normalisation: str, expected: list[float]) -> None:
    options = [AffordedOption(option("abcdef"), 1.0), AffordedOption(option("ab"), 1.0)]
    scores = [ContinuationScore(-6.0, 3), ContinuationScore(-4.0, 1)]
    ranking = rank_options(options, scores, ["abcdef", "ab"], normalisation)  # type: ignore[arg-type]
    assert [s.llm_score for s in ranking.scored] == expected
    assert ranking.ranked[0].llm_score == max(expected)


def test_one_score_and_one_text_per_option() -> None:
    with pytest.raises(ValueError, match="one score and one text per option"):
        rank_options([AffordedOption(option("a"), 1.0)], [], ["a"])


def test_the_planner_step_is_the_ranking_of_its_scores() -> None:
    class ByLength:
        name = "by-length"

        def score(self, prompt, continuations):
            return [ContinuationScore(-len(c) / 10, len(c) // 4) for c in continuations]

    scene = Scene((Detection("red", "block", (0.4, 0.1, 0.02)),
                   Detection("blue", "bowl", (0.5, -0.1, 0.0))))
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    planner = SayCanPlanner(ByLength(), normalisation="mean", skills=SKILLS)
    step = planner.next_step("put the red block in the blue bowl", scene, options)
    texts = [planner.prompt_builder.continuation(a.option) for a in options]
    expected = rank_options(options, ByLength().score("", texts), texts, "mean")
    assert step.scored == expected.ranked and step.option == expected.ranked[0].option
    assert planner.records[-1].combined == tuple(s.combined for s in expected.scored)


def test_top_k_print_is_the_deprecated_name_of_print_top_k() -> None:
    with pytest.warns(DeprecationWarning, match="print_top_k"):
        planner = SayCanPlanner(object(), top_k_print=2, skills=SKILLS)  # type: ignore[arg-type]
    assert planner.print_top_k == 2
    assert SayCanPlanner(object(), print_top_k=0, skills=SKILLS).print_top_k == 0  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_the_ranking_refuses_scores_that_are_not_finite(bad: float) -> None:
    options = [AffordedOption(option("a"), 1.0), AffordedOption(option("b"), 0.0)]
    with pytest.raises(ValueError, match="finite"):
        rank_options(options, [ContinuationScore(-1.0, 1), ContinuationScore(bad, 1)],
                     ["a", "b"])
    with pytest.raises(ValueError, match="affordances"):
        rank_options([AffordedOption(option("a"), math.nan)], [ContinuationScore(-1.0, 1)],
                     ["a"])


@pytest.mark.parametrize(("scores", "needle"), [
    ([math.nan], "nan, which is not finite"), ([-math.inf], "-inf, which is not finite"),
    ([50.0], "50, which is above 0"), ([-1.0, -2.0], "returned 2 scores for {n} options")])
def test_the_planner_stops_on_scores_that_are_no_logprobs(scores: list[float],
                                                          needle: str) -> None:
    class Broken:
        name = "broken-model"

        def score(self, prompt, continuations):
            if len(scores) > 1:
                return [ContinuationScore(v, 1) for v in scores]
            return [ContinuationScore(scores[0] if i == 3 else -1.0, 1)
                    for i in range(len(continuations))]

    scene = Scene((Detection("red", "block", (0.4, 0.1, 0.02)),
                   Detection("green", "block", (0.3, 0.2, 0.02)),
                   Detection("blue", "bowl", (0.5, -0.1, 0.0))))
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    planner = SayCanPlanner(Broken(), skills=SKILLS)
    with pytest.raises(ScoreError, match=re.escape(needle.format(n=len(options)))) as info:
        planner.next_step("put the red block in the blue bowl", scene, options)
    assert str(info.value).startswith("the language model broken-model returned")
    assert not planner.records
