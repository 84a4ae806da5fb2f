"""Best-first search with the real embedded model (planner.llama_search): the exhaustive choice on
real planning prompts, exact scores where it scored, valid bounds where it pruned, far fewer rows;
and the same under stream pressure (few KV streams: kept streams evicted and paths re-decoded)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

import pytest

from planner import llama_search
from planner.llama_backend import LlamaCppModel
from planner.llm import OptionScores
from planner.prompt import PromptBuilder
from planner.saycan import prompt_for
from skills.options import AffordanceModel, enumerate_options
from tests.skill_sets import FEW_SHOT, SKILLS
from tools.timing.scenes import make_scene

SCENES = {
    "3 objects": ("red block", "green block", "blue bowl"),
    "5 objects": ("red block", "green block", "blue block", "yellow block", "blue bowl"),
    "8 objects": ("red block", "green block", "blue block", "yellow block", "orange block",
                  "purple block", "blue bowl", "red bowl"),
}
COMMANDS = ("put the red block in the blue bowl", "put the green block on the blue block",
            "move the yellow block to the top left corner", "stack all the blocks")


def choice(result: OptionScores, affordances: list[float]) -> int:
    """The SayCan argmax of log p + log affordance (ties: the higher log p, then the earlier)."""
    keys = [(s.logprob + math.log(a), s.logprob, -i) if a > 0 else (-math.inf, 0.0, -i)
            for i, (s, a) in enumerate(zip(result.scores, affordances, strict=True))]
    return max(range(len(keys)), key=keys.__getitem__)


def check_same_choice(model: LlamaCppModel, prompt: str, texts: list[str],
                      affordances: list[float], full: OptionScores | None = None
                      ) -> tuple[OptionScores, OptionScores]:
    """Both searches' scores (`full`: exhaustive's, which do not depend on the affordances)."""
    full = full or model.search_options(prompt, texts, affordances, "exhaustive")
    found = model.search_options(prompt, texts, affordances, "best_first")
    assert found.search is not None and full.search is not None
    assert choice(found, affordances) == choice(full, affordances)
    assert not found.bounded[choice(found, affordances)]
    for f, e, pruned in zip(found.scores, full.scores, found.bounded, strict=True):
        if pruned:
            assert f.logprob >= e.logprob - 1e-3
            assert len(f.token_logprobs) < f.n_tokens == e.n_tokens
        else:
            assert abs(f.logprob - e.logprob) < 1e-3  # on this build: bit for bit
            assert f.token_logprobs == pytest.approx(e.token_logprobs, abs=1e-3)
    assert found.search.pruned == sum(found.bounded)
    assert found.search.logits_rows <= full.search.logits_rows
    return found, full


@pytest.fixture(scope="module")
def tuned() -> Iterator[LlamaCppModel]:
    with LlamaCppModel(adapter="default") as m:
        yield m


@pytest.mark.model
def test_best_first_chooses_as_exhaustive_scoring_on_planning_prompts(
        tuned: LlamaCppModel) -> None:
    """The shipped planner's prompts (first and later steps) and the base model's few-shot ones
    (less sure: more of the trie competes), with the real affordances and with done() at 0.5."""
    builder, pruned, rows = prompt_for(tuned), 0, [0, 0]
    for label, names in SCENES.items():
        scene = make_scene(*names)
        afforded = AffordanceModel(done_prior=0.5).afford(enumerate_options(scene, SKILLS), scene,
                                                          skills=SKILLS)
        texts = [builder.continuation(a.option) for a in afforded]
        affordances = [a.affordance for a in afforded]
        for command in COMMANDS[:2] if label != "5 objects" else COMMANDS:
            history = (afforded[0].option,) if command == COMMANDS[2] else ()
            found, _ = check_same_choice(tuned, builder.build(command, scene, history), texts,
                                         affordances)
            pruned += sum(found.bounded)
    with LlamaCppModel() as base:
        scene = make_scene(*SCENES["5 objects"])
        afforded = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
        texts = [PromptBuilder.continuation(a.option) for a in afforded]
        for command in COMMANDS[1:3]:
            prompt, full = PromptBuilder(examples=FEW_SHOT).build(command, scene), None
            for affordances in ([a.affordance for a in afforded], [1.0] * len(afforded)):
                found, full = check_same_choice(base, prompt, texts, affordances, full)
                rows[0] += found.search.logits_rows
                rows[1] += full.search.logits_rows
    assert pruned > 0 and rows[0] < rows[1] / 2


@pytest.mark.model
def test_few_streams_and_unlikely_winners(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three option streams and affordances that veto the likely options: the search goes deep
    into the trie, kept streams are given up and paths decoded again from the prompt's."""
    evicted = []
    take = llama_search.Streams.take

    def counting_take(self: llama_search.Streams, first: int, k: int) -> None:
        evicted.extend(s for s in range(first, first + k) if s in self.held)
        take(self, first, k)

    monkeypatch.setattr(llama_search.Streams, "take", counting_take)
    rng = random.Random(7)
    with LlamaCppModel(adapter="default", n_seq_max=4) as small:
        builder = prompt_for(small)
        scene = make_scene(*SCENES["5 objects"])
        texts = [builder.continuation(o) for o in enumerate_options(scene, SKILLS)]
        prompt = builder.build(COMMANDS[0], scene)
        full = small.search_options(prompt, texts, [1.0] * len(texts), "exhaustive")
        likely = sorted(range(len(texts)), key=lambda i: -full.scores[i].logprob)[:6]
        for _ in range(4):
            affordances = [0.0 if i in likely else rng.choice((0.0, 0.2, 1.0))
                           for i in range(len(texts))]
            found, _ = check_same_choice(small, prompt, texts, affordances, full)
            assert found.search.scored > 1
    assert evicted
