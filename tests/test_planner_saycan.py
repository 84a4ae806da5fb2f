"""The SayCan planner with the real embedded model on symbolic scenes (no simulator)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from perception.types import Detection, Scene
from planner.llama_backend import LlamaCppModel
from planner.prompt import PromptBuilder
from planner.saycan import PlanRecord, SayCanPlanner
from skills.options import AffordanceModel, enumerate_options
from skills.types import Option
from tests.skill_sets import FEW_SHOT, SKILLS
from tools.timing.scenes import make_scene


def apply(scene: Scene, option: Option) -> Scene:
    """The scene after a successful pick_and_place (what perception would report)."""
    obj, target = option.args
    seen = scene.get(target)
    if seen is None:
        (x, y), z = scene.locations[target], 0.02
    else:
        x, y, z0 = seen.position
        z = 0.03 if seen.kind == "bowl" else z0 + 0.04
    moved = tuple(Detection(o.color, o.kind, (x, y, z)) if o.name == obj else o
                  for o in scene.objects)
    return Scene(moved, scene.locations)


def run_episode(planner: SayCanPlanner, command: str, scene: Scene) -> list[str]:
    affordance, history = AffordanceModel(), []
    for _ in range(MAX_STEPS + 1):
        options = affordance.afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
        step = planner.next_step(command, scene, options, history)
        history.append(step.option)
        if step.option.is_done:
            break
        scene = apply(scene, step.option)
    return [o.text for o in history]


@pytest.fixture(scope="module")
def planner() -> Iterator[SayCanPlanner]:
    with LlamaCppModel() as model:
        # The language model alone decides here; grounding is switched on where it is tested.
        yield SayCanPlanner(model, require_grounded=False, skills=SKILLS)


PP = "robot.pick_and_place"
MAX_STEPS = 4  # the episodes here stop after this many steps (the agent's limit elsewhere)


@pytest.mark.model
@pytest.mark.parametrize(("objects", "command", "expected"), [
    (("red block", "green block", "blue bowl"), "put the red block in the blue bowl",
     [f"{PP}(red block, blue bowl)", "done()"]),
    (("red block", "green block", "yellow block", "blue bowl", "red bowl"),
     "put the green block on the yellow block", [f"{PP}(green block, yellow block)", "done()"]),
    (("red block", "blue block", "green bowl"), "put the red block in the top left corner",
     [f"{PP}(red block, top left corner)", "done()"]),
    (("orange block", "blue block", "purple block", "green block", "red bowl", "yellow bowl",
      "blue bowl"), "put the blue block in the yellow bowl",
     [f"{PP}(blue block, yellow bowl)", "done()"]),
    (("red block", "yellow block", "blue bowl"), "move the yellow block to the right side",
     [f"{PP}(yellow block, right side)", "done()"]),
    (("green block", "blue block", "red bowl"), "put the yellow block in the red bowl", ["done()"]),
    (("blue block", "red block", "orange block", "yellow bowl"),
     "put the green block on the blue block", ["done()"]),
])
def test_planner_solves_symbolic_episode(planner: SayCanPlanner, objects: tuple[str, ...],
                                         command: str, expected: list[str]) -> None:
    assert run_episode(planner, command, make_scene(*objects)) == expected


@pytest.mark.model
def test_absent_purple_block_means_done(planner: SayCanPlanner) -> None:
    scene = make_scene("blue block", "green block", "yellow block", "red bowl", "blue bowl")
    planner.require_grounded = True
    try:
        assert run_episode(planner, "put the purple block in the red bowl", scene) == ["done()"]
    finally:
        planner.require_grounded = False
    record = planner.records[-1]
    assert record.chosen == "done()" and "purple block" in record.note


@pytest.mark.model
def test_a_misspelt_name_is_read_as_the_scenes_and_the_reading_recorded(
        planner: SayCanPlanner) -> None:
    scene = make_scene("red block", "green block", "blue bowl", "pink bowl")
    planner.require_grounded = True
    try:
        steps = run_episode(planner, "put the rde blok in the bleu bowl", scene)
    finally:
        planner.require_grounded = False
    assert steps == [f"{PP}(red block, blue bowl)", "done()"]
    first = planner.records[-2]
    assert first.command == "put the rde blok in the bleu bowl"
    assert "# put the red block in the blue bowl." in first.prompt
    assert "read the command as 'put the red block in the blue bowl'" in first.note


@pytest.mark.model
def test_every_call_is_recorded(planner: SayCanPlanner) -> None:
    seen: list[PlanRecord] = []
    planner.on_record = seen.append
    try:
        scene = make_scene("red block", "green block", "blue bowl")
        options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
        step = planner.next_step("put the red block in the blue bowl", scene, options)
    finally:
        planner.on_record = None
    record = seen[-1]
    assert planner.records[-1] is record
    assert record.chosen == step.option.text and record.seconds > 0
    assert record.prompt.endswith("objects = [red block, green block, blue bowl]\n"
                                  "# put the red block in the blue bowl.\n")
    assert len(record.options) == len(options) == len(record.llm_logprobs)
    assert step.scored[0].combined == max(s.combined for s in step.scored if not s.bound)
    search = step.search
    assert search is not None and record.search == search and search.search == "best_first"
    assert len(record.bounds) == len(record.options) and sum(record.bounds) == search.pruned
    # p_llm: a softmax over the options, of which the scored ones hold `scored_mass` at least
    scored = sum(s.combined / s.affordance for s in step.scored if s.affordance > 0
                 and not s.bound)
    assert 0 < scored <= search.scored_mass + 1e-9
    assert set(record.to_json()) >= {"prompt", "options", "llm_logprobs", "seconds"}
    assert record.prompt_tokens == len(planner.model.tokenize(record.prompt, add_bos=True)) > 20


@pytest.mark.model
def test_zero_affordance_is_never_chosen(planner: SayCanPlanner) -> None:
    scene = make_scene("red block", "green block", "blue bowl")
    options = [(a.option, 0.0 if "blue bowl" in a.option.text else a.affordance)
               for a in AffordanceModel().afford(enumerate_options(scene, SKILLS), scene,
                                                  skills=SKILLS)]
    step = planner.next_step("put the red block in the blue bowl", scene, options)
    assert "blue bowl" not in step.option.text


@pytest.mark.model
def test_best_first_plans_as_exhaustive_and_falls_back_where_its_bound_fails(
        planner: SayCanPlanner, caplog: pytest.LogCaptureFixture) -> None:
    exhaustive = SayCanPlanner(planner.model, require_grounded=False, search="exhaustive",
                               skills=SKILLS)
    for objects, command in (
            (("red block", "green block", "yellow block", "blue bowl", "red bowl"),
             "put the green block on the yellow block"),
            (("orange block", "blue block", "purple block", "green block", "red bowl",
              "yellow bowl", "blue bowl"), "put the blue block in the yellow bowl")):
        scene = make_scene(*objects)
        assert run_episode(planner, command, scene) == run_episode(exhaustive, command, scene)
    scene = make_scene("red block", "green block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene,
                                       skills=SKILLS)
    step = planner.next_step("put the red block in the blue bowl", scene, options)
    assert step.search is not None and step.search.pruned > 0
    bounds = [s.bound for s in step.scored]
    assert bounds == sorted(bounds) and not bounds[0]  # the choice is scored; pruned ones last
    with caplog.at_level(logging.WARNING, logger="planner.search"):
        mean = SayCanPlanner(planner.model, normalisation="mean", require_grounded=False,
                             skills=SKILLS)
        steps = [mean.next_step("put the red block in the blue bowl", scene, options)
                 for _ in range(2)]
    assert [r.getMessage() for r in caplog.records] == [
        "planner.search=best_first: planner.normalisation=mean does not only fall along an "
        "option's tokens; every option is scored (exhaustive)"]
    assert all(s.search is not None and s.search.search == "exhaustive" for s in steps)
    assert not any(s.bound for s in steps[0].scored)
    with pytest.raises(ValueError, match="one of best_first, exhaustive, got 'greedy'"):
        SayCanPlanner(planner.model, search="greedy")


def test_prompt_has_examples_scene_command_and_history() -> None:
    scene = make_scene("red block", "blue bowl")
    prompt = PromptBuilder(examples=FEW_SHOT).build("Put the red block in the blue bowl.", scene,
                                   ["robot.pick_and_place(red block, blue bowl)"])
    assert prompt.endswith("objects = [red block, blue bowl]\n# put the red block in the blue "
                           "bowl.\nrobot.pick_and_place(red block, blue bowl)\n")
    assert prompt.count("done()") >= 5 and "corner" in prompt


def test_context_overflow_drops_the_oldest_examples() -> None:
    from planner.llm import ContextOverflowError, ContinuationScore

    class ShortContext:
        name = "short"

        def __init__(self, limit: int) -> None:
            self.limit, self.prompts = limit, []

        def score(self, prompt, continuations):
            self.prompts.append(prompt)
            if len(prompt) > self.limit:
                raise ContextOverflowError(f"{len(prompt)} > {self.limit}")
            return [ContinuationScore(-1.0 - len(c) / 100, 3) for c in continuations]

    scene = make_scene("red block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    full = PromptBuilder(examples=FEW_SHOT).build("put the red block in the blue bowl", scene)
    model = ShortContext(limit=len(full) * 2 // 3)
    planner = SayCanPlanner(model, normalisation="char", skills=SKILLS)
    step = planner.next_step("put the red block in the blue bowl", scene, options)
    record = planner.records[-1]
    assert "oldest few-shot examples" in record.note and not step.option.is_done
    assert len(record.prompt) <= model.limit and record.prompt.endswith(
        "# put the red block in the blue bowl.\n")
    assert record.normalisation == "char" and record.n_tokens[0] == 3
    tiny = SayCanPlanner(ShortContext(limit=10), skills=SKILLS)
    with pytest.raises(ContextOverflowError):
        tiny.next_step("put the red block in the blue bowl", scene, options)


@pytest.mark.model
def test_warm_up_holds_the_header_so_the_first_step_decodes_only_the_rest(tmp_path: Path) -> None:
    scene = make_scene("red block", "green block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    with LlamaCppModel(prompt_cache_dir=tmp_path) as model:
        planner = SayCanPlanner(model, skills=SKILLS)
        assert planner.warm_up() == "computed"
        header = len(model.tokenize(planner.prompt_builder.header(), add_bos=True))
        before = model.runtime.tokens_decoded
        step = planner.next_step("put the red block in the blue bowl", scene, options)
        prompt = len(model.tokenize(planner.records[-1].prompt, add_bos=True))
        trie = sum(planner.records[-1].n_tokens)
        assert model.runtime.tokens_decoded - before <= prompt - header + 8 + trie
    assert step.option.text == "robot.pick_and_place(red block, blue bowl)"


def test_warm_up_without_a_prefill_capable_model() -> None:
    class Plain:
        name = "plain"

        def score(self, prompt, continuations):  # pragma: no cover - not called
            raise AssertionError

    assert SayCanPlanner(Plain(), skills=SKILLS).warm_up() == "not supported by the model"
