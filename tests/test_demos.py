"""Demonstrations: right plans on the symbolic model, prompts that only grow, training data apart
from what benchmarks report on, and prompts equal to what the planner sees in the simulator with
OpenCV perception on rendered frames."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pytest

from agent.loop import Agent
from agent.session import SimSession, build
from perception.types import Scene
from planner.prompt import PromptBuilder
from sim.tasks import matching_bowls, stacking
from sim.tasks.everyday import MOVE_STACK_FAMILY
from sim.tasks.registry import FAMILIES, generate
from skills.goals import evaluate_plan
from skills.library.pick_and_place import pick_and_place_option
from skills.types import AffordedOption, Outcome, ScoredOption, Step
from tests.skill_sets import SKILLS
from tools.tune.demos import (
    TRAIN_FIRST_SEED,
    demo_moves,
    demonstrate,
    generate_demonstrations,
    initial_scene,
    training_families,
)

TRAINING = training_families()


def _moves(demo) -> list[tuple[str, str]]:
    moves = []
    for step in demo.steps:
        text = step.target.strip()
        if text.startswith("robot.pick_and_place("):
            moves.append(tuple(text[len("robot.pick_and_place("):-1].split(", ")))
    return moves


@pytest.mark.parametrize("family", TRAINING)
def test_demonstrations_reach_the_goal_and_end_with_done(family: str) -> None:
    rng = np.random.default_rng(0)
    for seed in range(TRAIN_FIRST_SEED, TRAIN_FIRST_SEED + 15):
        task = generate(family, seed)
        demo = demonstrate(task, SKILLS, rng)
        ok, unmet = evaluate_plan(task.goal, [f"{c} block" for c in task.scene.blocks],
                                  [pick_and_place_option(*move) for move in _moves(demo)], SKILLS)
        assert ok, (task.instruction, unmet, _moves(demo))
        assert demo.steps[-1].target == "done()\n"
        if task.infeasible:
            assert len(demo.steps) == 1


def test_each_prompt_extends_the_one_before() -> None:
    for demo in generate_demonstrations(SKILLS, 3, recovery_rate=0.5):
        for before, after in zip(demo.steps, demo.steps[1:], strict=False):
            assert after.prompt.startswith(before.prompt + before.target)


def test_recoveries_repeat_the_step_that_went_wrong() -> None:
    demos = [d for d in generate_demonstrations(SKILLS, 20, recovery_rate=1.0) if d.recovery]
    assert {(d.recovery, d.feedback) for d in demos} == {
        ("failed", False), ("slipped", False), ("failed", True), ("slipped", True)}
    for demo in demos:
        targets = [s.target for s in demo.steps]
        repeated = [a for a, b in zip(targets, targets[1:], strict=False) if a == b]
        assert repeated, demo
        prompt = demo.steps[-1].prompt
        if demo.feedback:  # the agent's success check: where the block was seen instead
            assert re.search(r"\n# failed: \w+ block seen (on|at) [\w ]+, \d+ cm from the ", prompt)
        elif demo.recovery == "failed":
            assert "\n# failed\n" in prompt
        else:
            assert "# failed" not in prompt


def test_two_block_bowl_tasks_come_with_their_contrasting_twin() -> None:
    demos = list(generate_demonstrations(SKILLS, 30, exclude=[f for f in TRAINING if f not in (
        "matching_bowls_v1", "mismatched_bowls_v1")], recovery_rate=0.0))
    twins = [(a, b) for a, b in zip(demos, demos[1:], strict=False)
             if a.seed == b.seed and a.family != b.family]
    assert len(twins) >= 10
    for a, b in twins:
        assert a.steps[0].prompt.split("\n")[0] == b.steps[0].prompt.split("\n")[0]
        assert a.steps[0].target != b.steps[0].target


@pytest.mark.parametrize("wordings", ["train", "held_out"])
def test_a_command_naming_an_absent_object_comes_with_its_feasible_twin(wordings: str) -> None:
    """The same command on the same table but for one colour the command does not name: the
    named object is there, the demonstration makes the move and reaches the twin's goal."""
    from sim.tasks.infeasible import _TWIN_GOALS, ABSENT, feasible_twin

    assert set(_TWIN_GOALS) == {*ABSENT.train, *ABSENT.held_out}  # every template has its goal
    rng, twins = np.random.default_rng(0), 0
    for seed in range(TRAIN_FIRST_SEED, TRAIN_FIRST_SEED + 40):
        task, twin = generate("infeasible_v1", seed, wordings), feasible_twin(seed, wordings)
        if twin is None:  # the location it names is taken on that table
            continue
        twins += 1
        assert (twin.instruction, twin.scene.seed, twin.infeasible) == (
            task.instruction, task.scene.seed, False)
        changed = set(twin.scene.names) ^ set(task.scene.names)
        assert len(changed) == 2 and any(name in task.instruction for name in changed)
        demo = demonstrate(twin, SKILLS, rng)
        ok, unmet = evaluate_plan(twin.goal, [f"{c} block" for c in twin.scene.blocks],
                                  [pick_and_place_option(*move) for move in _moves(demo)], SKILLS)
        assert ok and _moves(demo), (twin.instruction, unmet)
    assert twins >= 30
    demos = list(generate_demonstrations(SKILLS, 20, exclude=[f for f in TRAINING if f != (
        "infeasible_v1")], recovery_rate=0.0, absent_twins=True))
    pairs = [(a, b) for a, b in zip(demos, demos[1:], strict=False) if a.seed == b.seed]
    assert len(pairs) >= 15
    assert all(a.steps[0].target == "done()\n" != b.steps[0].target for a, b in pairs)


def test_grounded_only_demonstrates_no_command_the_planner_stops_before_asking_the_model() -> None:
    """The planner's grounding ends a plan for a command naming an absent object before the
    model is asked (tests/test_e2e.py); with `grounded_only` those commands are not
    demonstrated, their twins are."""
    only_infeasible = [f for f in TRAINING if f != "infeasible_v1"]
    every = list(generate_demonstrations(SKILLS, 20, exclude=only_infeasible, recovery_rate=0.0,
                                         absent_twins=True))
    grounded = list(generate_demonstrations(SKILLS, 20, exclude=only_infeasible,
                                            recovery_rate=0.0, absent_twins=True,
                                            grounded_only=True))
    assert sum(d.steps[0].target == "done()\n" for d in every) >= 15
    assert grounded and all(d.steps[0].target != "done()\n" for d in grounded)
    assert len(every) - len(grounded) == sum(d.steps[0].target == "done()\n" for d in every)


def test_training_data_stays_apart_from_benchmarks() -> None:
    assert "unseen_colors_v1" not in TRAINING and set(TRAINING) < set(FAMILIES)
    with pytest.raises(ValueError, match="10,000"):
        next(generate_demonstrations(SKILLS, 1, first_seed=9_999))
    held_out = {w.split("{")[0] for w in matching_bowls.WORDINGS.held_out}
    for demo in generate_demonstrations(SKILLS, 40):
        assert demo.seed >= TRAIN_FIRST_SEED
        if demo.family == matching_bowls.FAMILY:
            assert not any(demo.instruction.startswith(h) for h in held_out)


def test_every_family_has_twelve_wordings_or_more_split_in_two() -> None:
    assert len(stacking.STACK_ALL) >= 12 and len(stacking.STACK_ORDER) >= 12
    for family in FAMILIES:
        train = {generate(family, s).instruction for s in range(40)}
        held = {generate(family, s, "held_out").instruction for s in range(40)}
        assert train and held and not train & held, family


def test_moves_follow_towers_and_the_command() -> None:
    task = generate(stacking.STACK_ORDER_FAMILY, TRAIN_FIRST_SEED)
    order = task.goal[0].objects
    assert demo_moves(task, initial_scene(task)) == list(zip(order[1:], order, strict=False))


@pytest.mark.parametrize("family", ["cap_all_at_location_seen_v1", "cap_stack_at_location_seen_v1",
                                    "cap_line_seen_v1", "cap_different_corners_seen_v1"])
def test_order_free_goals_are_demonstrated_in_the_objects_lines_order(family: str) -> None:
    """Any order reaches them, and the prompt shows only the objects line's: the blocks move in
    it (the goal's own order is the generator's draw)."""
    for seed in range(TRAIN_FIRST_SEED, TRAIN_FIRST_SEED + 5):
        task = generate(family, seed)
        scene = initial_scene(task)
        order = [o.name for o in scene.ordered() if o.kind == "block"]
        moved = list(dict.fromkeys(block for block, _ in demo_moves(task, scene)))
        assert moved == [name for name in order if name in moved], (task.instruction, moved)


def test_a_stack_to_move_is_still_demonstrated_top_first() -> None:
    task = generate(MOVE_STACK_FAMILY, TRAIN_FIRST_SEED)
    top_first = task.goal[0].objects
    assert [block for block, _ in demo_moves(task, initial_scene(task))] == list(top_first)


class ReplayPlanner:
    """Chooses the demonstration's steps in order and keeps the prompt it would have shown."""

    def __init__(self, demo, builder: PromptBuilder) -> None:
        self.demo, self.builder, self.prompts = demo, builder, []

    def next_step(self, command: str, scene: Scene, options: Sequence[AffordedOption],
                  history: Sequence[Outcome]) -> Step:
        self.prompts.append(self.builder.build(command, scene, history))
        want = self.demo.steps[len(self.prompts) - 1].target.strip()
        chosen = next(a.option for a in options if a.option.text == want)
        return Step(chosen, (ScoredOption(chosen, 0.0, 0, 1.0, 1.0),))


@pytest.fixture(scope="module")
def opencv_session(scripted_opencv_session: SimSession) -> SimSession:
    return scripted_opencv_session


@pytest.mark.sim
@pytest.mark.parametrize("family", TRAINING)
def test_demonstration_prompts_equal_what_the_planner_sees(
    opencv_session: SimSession, family: str
) -> None:
    builder = PromptBuilder(examples=(), scene_feedback=True)
    task = generate(family, TRAIN_FIRST_SEED + 1)
    demo = demonstrate(task, SKILLS, np.random.default_rng(0), builder=builder)
    replay = ReplayPlanner(demo, builder)
    opencv_session.reset(task.scene)
    agent = Agent(opencv_session.perceive, replay, opencv_session.driver,
                  build(opencv_session.cfg.affordance), build(opencv_session.cfg.compiler),
                  max_steps=8, skills=opencv_session.skills)
    with opencv_session.driver:
        episode = agent.run(task.instruction)
    assert episode.finished
    assert replay.prompts == [s.prompt for s in demo.steps]


def test_the_shipped_adapters_demonstrations_are_made_again_byte_for_byte() -> None:
    """The recipe its manifest records (families and counts, suites, prompt form, refusals)
    makes the shipped adapter's data again: the hash its manifest records (families added
    since, not trained on yet, left out)."""
    import hashlib
    import json
    from dataclasses import asdict

    from agent.config import compose_config
    from agent.session import build_skills
    from planner.saycan import TUNED_PROMPTS
    from tools.tune.recipe import SHIPPED_MANIFEST, read_recipe

    recipe = read_recipe()
    data = json.loads(SHIPPED_MANIFEST.read_text())["data"]
    later = [f for f in training_families(suites=recipe.suites, every_kind=recipe.every_kind)
             if f not in recipe.counts]
    skills = build_skills(compose_config([
        "skills=[pick_and_place]", f"refusals={str(recipe.refusals).lower()}"]))
    demos = list(generate_demonstrations(
        skills, 1, TRAIN_FIRST_SEED, later, recipe.recovery_rate,
        seed=recipe.hyperparameters["seed"], counts=recipe.counts, suites=recipe.suites,
        every_kind=recipe.every_kind, builder=TUNED_PROMPTS[recipe.prompt_form],
        absent_twins=recipe.absent_twins, grounded_only=recipe.grounded_only,
        wordings=recipe.wordings))
    text = "".join(json.dumps(asdict(d)) + "\n" for d in demos)
    assert training_families(later, recipe.suites, recipe.every_kind) == recipe.families
    assert (len(demos), hashlib.sha256(text.encode()).hexdigest()) == (
        data["demonstrations"], data["sha256"])


@pytest.mark.parametrize("family", [f for f in training_families(
    suites=("cap", "everyday"), every_kind=True)])
def test_demonstrations_of_the_new_families_reach_the_goal(family: str) -> None:
    """With every kind of place offered (beside objects, line spots, start positions)."""
    from skills.library.pick_and_place import PickAndPlace
    from skills.places import Places
    from skills.skill_set import SkillSet

    skills = SkillSet.of([PickAndPlace(places=Places(beside=True, lines=True, starts=True))])
    rng = np.random.default_rng(0)
    for seed in range(TRAIN_FIRST_SEED, TRAIN_FIRST_SEED + 5):
        task = generate(family, seed)
        demo = demonstrate(task, skills, rng)
        ok, unmet = evaluate_plan(task.goal, [f"{c} block" for c in task.scene.blocks],
                                  [pick_and_place_option(*move) for move in _moves(demo)], skills)
        assert ok, (task.instruction, unmet, _moves(demo))
        assert demo.steps[-1].target == "done()\n"
