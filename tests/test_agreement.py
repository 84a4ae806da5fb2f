"""The success-detection agreement sweep (`python -m tools.bench.agreement`): each executed
step's check on the perceived scene (OpenCV on rendered frames) beside the same effect on the
simulator's ground truth, in PyBullet DIRECT with the scripted planner."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module

from agent.session import open_session
from sim.scene_gen import SceneSpec
from sim.tasks.task import Task
from skills.goals import At, In, On, step_effects
from skills.library.pick_and_place import pick_and_place_option
from skills.skill_set import DONE_OPTION
from tests.skill_sets import SKILLS
from tools.bench.agreement import checked_steps, format_table

TASK = Task(family="pick_place_v1", seed=1,
            instruction="put the red block in the blue bowl",
            scene=SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=1),
            goal=(In("red block", "blue bowl"),))


def test_the_intended_effect_of_each_kind_of_target() -> None:
    blocks, locations = ["red block", "green block"], ["top left corner"]

    def effects(target: str) -> list:
        return step_effects(pick_and_place_option("red block", target), blocks, locations, SKILLS)

    assert effects("blue bowl") == [In("red block", "blue bowl")]
    assert effects("green block") == [On("red block", "green block")]
    assert effects("top left corner") == [At("red block", "top left corner")]
    assert step_effects(DONE_OPTION, blocks, locations, SKILLS) == []


@pytest.mark.sim
@pytest.mark.parametrize("slip", [0.0, 1.0])
def test_a_step_is_checked_on_perception_and_on_the_simulator(slip: float) -> None:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=[
            "instruction=unused", "planner=scripted", "perception=opencv", "faults=slip",
            f"faults.slip.p={slip}", "max_steps=2"])
    session = open_session(cfg, load_model=False)
    try:
        steps = checked_steps(session, TASK)
    finally:
        session.close()
    first = steps[0]
    assert first.step == "robot.pick_and_place(red block, blue bowl)"
    assert first.truth_predicate == "in(red block, blue bowl)"
    if slip == 0.0:  # placed: seen in the bowl, and in it
        assert len(steps) == 1 and first.perceived and first.truth and first.faults == ()
    else:  # every carry slips: seen on the table, and not in the bowl, twice
        assert len(steps) == 2 and first.faults == ("slip",)
        assert all(not s.perceived and not s.truth for s in steps)
        assert "seen on the table" in first.evidence
    table = format_table(steps)
    assert f"agreement: {len(steps)} of {len(steps)} executed steps = 100.0%" in table
