"""Knowing what it cannot do (issue 25): the refusal options, the families out_of_scope_v1 and
typos_v1, the per-step judge and the calibration table. The agent loop runs on the imagined table
(`tools.tune.rollout`); the benchmark episodes in the simulator (PyBullet DIRECT)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest
from hydra import compose, initialize_config_module

from perception.types import Scene
from planner.grounding import spelt_as_seen
from planner.scripted import ScriptedPlanner
from records.calibration import reliability, reliability_lines, results_pairs
from sim.tasks import out_of_scope, typos
from sim.tasks.registry import generate
from sim.tasks.task import Task, rng_for
from skills.goals import goal_moves
from skills.refusal import REFUSAL_KINDS, REFUSAL_OPTIONS, refusal_option, refusal_reason
from skills.skill_set import DONE_OPTION
from skills.types import AffordedOption, Outcome, ScoredOption, Step
from tests.skill_sets import SKILLS
from tools.bench.benchmark import worker_config
from tools.bench.calibration import judged_steps
from tools.bench.task_episode import run_task
from tools.bench.worker import EpisodeWorker
from tools.tune.demos import initial_scene
from tools.tune.rollout import imagined_episode

REFUSING = replace(SKILLS, refusals=True)


def test_refusals_are_offered_before_done_only_when_asked() -> None:
    scene = initial_scene(generate("pick_place_v1", 0))
    assert not any(o.is_refusal for o in SKILLS.options(scene))
    options = REFUSING.options(scene)
    assert options[-1] == DONE_OPTION
    assert options[-1 - len(REFUSAL_KINDS):-1] == list(REFUSAL_OPTIONS)
    assert [o.text for o in REFUSAL_OPTIONS] == [
        "cannot(other action)", "cannot(other object)", "cannot(other shape)"]
    assert REFUSING.compile(REFUSAL_OPTIONS[0], scene, None) == []  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown refusal kind"):
        refusal_option("other planet")


@pytest.mark.parametrize(("command", "kind", "reason"), [
    ("pour water into the red bowl", "other action", "no skill pours"),
    ("pick up the red block and hold it", "other action", "no skill holds an object in the air"),
    ("push the red block off the table", "other action", "no skill pushes anything off"),
    ("open the drawer", "other object", "no skill handles a drawer"),
    ("open the drawer", "other action", "no skill opens anything"),
    ("arrange the blocks in a circle", "other shape", "no skill makes a circle"),
    ("do a little dance", "other action", "no skill does that"),
])
def test_the_reason_comes_from_the_command_and_the_skill_set(command: str, kind: str,
                                                             reason: str) -> None:
    line = refusal_reason(command, kind, ("pick_and_place", "push"))
    assert line.startswith(f"cannot: {reason}")
    assert line.endswith("(this robot's skills: pick_and_place, push)") and "\n" not in line


class Chooses:
    """A planner that chooses the first offered option whose text starts with one of `texts`,
    in turn, at the probability given."""

    def __init__(self, texts: Sequence[str], p: float = 0.9, unsure: bool = False) -> None:
        self.texts, self.p, self.unsure, self.seen = list(texts), p, unsure, []

    def next_step(self, command: str, scene: Scene, options: Sequence[AffordedOption],
                  history: Sequence[Outcome]) -> Step:
        self.seen.append({a.option.text: a.affordance for a in options})
        want = self.texts.pop(0)
        chosen = next(a.option for a in options if a.option.text.startswith(want))
        return Step(chosen, (ScoredOption(chosen, -0.1, 1, 1.0, self.p),), p=self.p,
                    unsure=self.unsure)


def test_a_refusal_ends_the_episode_with_nothing_moved_and_one_reason() -> None:
    task = generate(out_of_scope.FAMILY, 1)  # "give the yellow block to me"
    episode = imagined_episode(task, Chooses(["cannot(other action)"]), REFUSING, 12)
    assert episode.status == "refused" and episode.finished and not episode.moved
    assert episode.message == refusal_reason(task.instruction, "other action", REFUSING.names)
    assert [r.result for r in episode.records] == [None]


def test_once_the_arm_has_acted_it_does_not_refuse() -> None:
    task = generate("pick_place_v1", 0)
    planner = Chooses(["robot.pick_and_place", "done()"])
    imagined_episode(task, planner, REFUSING, 12)
    assert all(planner.seen[0][o.text] == 1.0 for o in REFUSAL_OPTIONS)
    assert all(planner.seen[1][o.text] == 0.0 for o in REFUSAL_OPTIONS)


def test_an_unsure_step_is_not_carried_out() -> None:
    task = generate("pick_place_v1", 0)
    right = SKILLS.call_for(initial_scene(task), *goal_moves(task.goal)[0])
    assert right is not None
    episode = imagined_episode(task, Chooses([right.text], p=0.234, unsure=True), SKILLS, 12)
    assert episode.status == "unsure" and not episode.finished and not episode.moved
    guess = episode.records[0].step.option.text
    assert episode.message == (f"not sure what to do next: best guess {guess} at p = 0.23; "
                               "rephrase the command")
    assert judged_steps(episode, task, SKILLS) == [(0.234, True)]


def _typo_and_its_task(seed: int, split: str) -> tuple[Task, Task]:
    """A `typos_v1` task and the task of the other family it misspells."""
    rng = rng_for(typos.FAMILY, seed)
    base = typos.SUB_FAMILIES[int(rng.integers(len(typos.SUB_FAMILIES)))](
        seed, family=typos.FAMILY, wordings=split)
    return generate(typos.FAMILY, seed, split), base  # type: ignore[arg-type]


@pytest.mark.parametrize("split", ["train", "held_out"])
def test_typos_misspell_one_or_two_words_and_keep_the_task(split: str) -> None:
    for seed in range(30):
        task, base = _typo_and_its_task(seed, split)
        assert (task.goal, task.scene, task.refusal) == (base.goal, base.scene, "")
        slips = [(a, b) for a, b in zip(base.instruction.split(), task.instruction.split(),
                                        strict=True) if a != b]
        assert 1 <= len(slips) <= 2, (base.instruction, task.instruction)
        for right, slip in slips:
            assert slip[0] == right[0] and slip not in typos.KNOWN


@pytest.mark.parametrize("split", ["train", "held_out"])
def test_the_planner_reads_a_misspelt_colour_or_object_as_the_scene_has_it(split: str) -> None:
    """What is left misspelt after reading: verbs, and kind words one slip from both the
    singular and the plural ("blocsk")."""
    read_right = 0
    for seed in range(60):
        task, base = _typo_and_its_task(seed, split)
        read = spelt_as_seen(task.instruction, initial_scene(task))
        left = [(right, slip) for right, slip in zip(base.instruction.split(), read.split(),
                                                     strict=True) if right != slip]
        assert all(right.strip(",;") in (*typos.VERBS, *typos.OBJECT_WORDS)
                   for right, _ in left), (task.instruction, read)
        read_right += all(right.strip(",;") in typos.VERBS for right, _ in left)
    assert read_right >= 55


def test_out_of_scope_has_thirty_commands_of_every_kind_split_in_two() -> None:
    for _, wordings in out_of_scope.KINDS:
        assert not set(wordings.train) & set(wordings.held_out)
    assert sum(len(w) for _, w in out_of_scope.KINDS) >= 30
    kinds = {generate(out_of_scope.FAMILY, s).refusal for s in range(30)}
    assert kinds == set(REFUSAL_KINDS)


def test_the_judge_and_the_reliability_table() -> None:
    table = reliability([(0.95, True), (0.92, True), (0.91, False), (0.35, False), (0.3, True)])
    assert table.steps == 5 and table.right == 3
    top = table.bins[-1]
    assert top.steps == 3 and top.right == 2 and top.mean_p == pytest.approx(0.9267, abs=1e-3)
    assert table.ece == pytest.approx((3 * abs(2 / 3 - 0.9267) + 2 * abs(0.5 - 0.325)) / 5,
                                      abs=1e-3)
    assert reliability_lines(table)[-1].startswith("expected calibration error: 0.")
    assert results_pairs([{"confidence": [[0.5, True]]}, {}]) == [(0.5, True)]
    with pytest.raises(ValueError):
        reliability([(1.5, True)])


def test_the_judge_follows_the_goal() -> None:
    task = generate("stack_order_v1", 3)
    bottom, middle = task.goal[0].objects[:2]
    scripted = ScriptedPlanner(SKILLS, task.goal)
    episode = imagined_episode(task, _with_p(scripted), SKILLS, 12)
    assert all(right for _, right in judged_steps(episode, task, SKILLS))
    wrong = imagined_episode(task, Chooses([f"robot.pick_and_place({bottom}, {middle})"]),
                             SKILLS, 1)
    assert judged_steps(wrong, task, SKILLS) == [(0.9, False)]


class _with_p:
    def __init__(self, planner: ScriptedPlanner) -> None:
        self.planner = planner

    def next_step(self, *args: object) -> Step:
        return replace(self.planner.next_step(*args), p=1.0)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def refusing_session():
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("bench", overrides=["planner=scripted", "perception=oracle", "label=test",
                                          "refusals=true"])
    worker = EpisodeWorker(worker_config(cfg))
    yield worker.session
    worker.close()


@pytest.mark.sim
def test_with_refusals_the_scripted_planner_refuses_out_of_scope_and_does_the_rest(
        refusing_session) -> None:
    for family, seed in ((out_of_scope.FAMILY, 0), (out_of_scope.FAMILY, 6),
                         (typos.FAMILY, 1), ("pick_place_v1", 0)):
        task = generate(family, seed)
        result = run_task(refusing_session, task)
        assert result["plan_success"] and result["execution_success"], result["failure"]
        assert result["status"] == ("refused" if task.refusal else "done")
        if task.refusal:
            assert result["steps"] == [f"cannot({task.refusal})"]
            assert result["message"].startswith("cannot: no skill ")
    # done() at once is no longer enough for a command no skill does
    scripted, refusing_session.planner = refusing_session.planner, Chooses(["done()"])
    try:
        result = run_task(refusing_session, generate(out_of_scope.FAMILY, 0))
    finally:
        refusing_session.planner = scripted
    assert result["status"] == "done" and not result["plan_success"]
    assert not result["execution_success"] and "refused" in result["execution_unmet"][-1]
