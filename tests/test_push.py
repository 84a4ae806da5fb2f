"""push, a second skill that moves things: configured beside pick_and_place, its options and
affordances, its primitives, its effects (symbolic, on a scene, checked on a perceived scene),
and in the simulator the recovery it is for: a block against a bowl's rim pushed clear, then
picked into the bowl. It also runs in tests/test_skills.py with every configured skill."""

from __future__ import annotations

import math

import pytest
from hydra import compose, initialize_config_module

from agent.session import build_skills
from perception.types import Detection, Scene
from sim.arm import SimArmDriver
from sim.scene_gen import SceneSpec
from sim.world import World
from skills.compiler import CompilerConfig, compile_step
from skills.goals import In, evaluate_plan
from skills.library.pick_and_place import PICK_AND_PLACE
from skills.library.push import Push
from skills.options import AffordanceModel, enumerate_options
from skills.primitives import execute
from skills.refusal import REFUSAL_OPTIONS
from skills.relations import SceneGeometry
from skills.skill_set import SkillSet
from skills.symbolic import SymbolicState
from skills.types import Step

PUSH = Push()
SKILLS = SkillSet((PICK_AND_PLACE, PUSH))
GEOMETRY = SceneGeometry()
SCENE = Scene((Detection("red", "block", (0.5, 0.1, 0.02)),
               Detection("green", "block", (0.5, -0.1, 0.02)),
               Detection("blue", "bowl", (0.4, -0.2, 0.0))), {"middle": (0.5, 0.0)})


def afforded(scene: Scene, reach: object = None) -> dict[str, tuple[float, str]]:
    options = enumerate_options(scene, SKILLS)
    return {a.option.text: (a.affordance, a.reason)
            for a in AffordanceModel().afford(options, scene, skills=SKILLS, reach=reach)}


def test_push_is_offered_after_pick_and_place_when_configured() -> None:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["skills=[pick_and_place,push]", "instruction=unused"])
    skills = build_skills(cfg)
    assert skills.names == ("pick_and_place", "push")
    texts = [o.text for o in enumerate_options(SCENE, skills)]
    refusals = [o.text for o in REFUSAL_OPTIONS]  # on by default, offered before done()
    assert texts[-9 - len(refusals):] == [
        f"robot.push({block}, {d})" for block in ("green block", "red block")
        for d in ("top", "bottom", "left", "right")] + refusals + ["done()"]


def test_a_block_with_room_is_afforded_and_one_without_is_not() -> None:
    value = afforded(SCENE)
    assert value["robot.push(red block, left)"] == (1.0, "")
    # the green block's left and right are clear; toward the bottom right the bowl is near
    assert value["robot.push(green block, top)"][0] == 1.0
    crowded = Scene(SCENE.objects + (Detection("yellow", "block", (0.5, 0.16, 0.02)),),
                    SCENE.locations)
    stuck = afforded(crowded)
    assert stuck["robot.push(red block, left)"] == (0.0, "the yellow block is in the way")
    assert stuck["robot.push(red block, right)"][1].startswith("no room for the fingers")
    assert afforded(SCENE, reach=lambda point: point[1] < 0.12)[
        "robot.push(red block, left)"] == (0.0, "out of reach")


def test_only_a_free_block_on_the_table_is_pushed() -> None:
    stacked = Scene((Detection("red", "block", (0.5, 0.1, 0.02)),
                     Detection("green", "block", (0.5, 0.1, 0.06)),
                     Detection("yellow", "block", (0.4, -0.2, 0.026)),
                     Detection("blue", "bowl", (0.4, -0.2, 0.0))), {})
    value = afforded(stacked)
    assert value["robot.push(red block, top)"] == (0.0, "something is on top of the red block")
    assert value["robot.push(green block, top)"] == (
        0.0, "the green block is on the red block, not on the table")
    assert value["robot.push(yellow block, top)"] == (
        0.0, "the yellow block is in the blue bowl, not on the table")


def test_the_closed_fingers_come_down_behind_the_block_and_slide_it() -> None:
    prims = compile_step(Step(PUSH.option("red block", "left")), SCENE, CompilerConfig(), SKILLS)
    assert [p.phase for p in prims] == ["close", "approach", "descend", "push", "retreat",
                                        "open", "home"]
    assert prims[0].kind == "gripper_close" and prims[0].expect_held is False
    down, slid = prims[2].pose, prims[3].pose
    assert down is not None and slid is not None
    assert down[:3] == pytest.approx((0.5, 0.1 - PUSH.standoff, PUSH.push_height))
    # the tool stops `distance` past where the fingers meet the block's face
    assert slid[1] - down[1] == pytest.approx(PUSH.standoff - 0.03 + PUSH.distance)
    assert down[5] == pytest.approx(math.pi / 2)  # fingers side by side across the push
    with pytest.raises(ValueError, match="unknown direction 'up'"):
        compile_step(Step(PUSH.option("red block", "up")), SCENE, CompilerConfig(), SKILLS)


def test_its_effects_agree() -> None:
    option = PUSH.option("red block", "top")
    state = SKILLS.apply(SymbolicState.initial(["red block", "green block"]), [option])
    assert state.moved == {"red block"} and state.support["red block"] == "table"
    after = SKILLS.imagine(option, SCENE)
    assert after.get("red block").position == pytest.approx((0.55, 0.1, 0.02))
    assert SKILLS.verify(option, after, GEOMETRY, before=SCENE).holds
    assert not SKILLS.verify(option, SCENE, GEOMETRY, before=SCENE).holds  # never "already"
    assert SKILLS.verify(option, after, GEOMETRY, before=SCENE).evidence == (
        "red block seen 5.0 cm toward the top of where it was")
    # a push and a pick make the plan; the push alone does not
    goal = (In("red block", "blue bowl"),)
    put = PICK_AND_PLACE.option("red block", "blue bowl")
    assert evaluate_plan(goal, ["red block"], [option], SKILLS) == (False, list(goal))
    assert evaluate_plan(goal, ["red block"], [option, put], SKILLS) == (True, [])


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="distance"):
        Push(distance=0.5)
    with pytest.raises(ValueError, match="standoff"):
        Push(standoff=0.01)


def run(option_text: str, world: World, arm: SimArmDriver) -> Scene:
    """Perceive, check the option is afforded, compile and execute it; the scene after."""
    scene = world.oracle_scene()
    options = enumerate_options(scene, SKILLS)
    chosen = next(a for a in AffordanceModel().afford(
        options, scene, skills=SKILLS,
        reach=lambda p: arm.is_reachable((*p, math.pi, 0.0, 0.0))) if a.option.text == option_text)
    assert chosen.affordance > 0, chosen.reason
    step = Step(chosen.option)
    result = execute(step, compile_step(step, scene, CompilerConfig(), SKILLS), arm)
    assert result.success, result.message
    world.step(120)
    return scene


@pytest.mark.sim
def test_a_block_against_a_bowl_is_pushed_clear_then_picked_into_it(
        sim_world: World, sim_arm: SimArmDriver) -> None:
    sim_world.reset(SceneSpec(blocks=("red",), bowls=("blue",), seed=3))
    sim_world.set_object_pose("blue bowl", (0.5, 0.0, 0.0))
    against = (0.5, 0.085, 0.02)  # just outside the rim, where a place that missed lands
    sim_world.set_object_pose("red block", against)
    sim_world.step(60)
    # away from the bowl the fingers have no room, toward it the bowl is in the way: the push
    # goes along the rim
    value = afforded(sim_world.oracle_scene())
    assert value["robot.push(red block, left)"][1] == "no room for the fingers beside the blue bowl"
    assert value["robot.push(red block, right)"][1] == "the blue bowl is in the way"
    before = run("robot.push(red block, top)", sim_world, sim_arm)
    moved = sim_world.object_pose("red block").position
    assert moved[0] - against[0] == pytest.approx(PUSH.distance, abs=0.015)
    assert abs(moved[1] - against[1]) < 0.015 and moved[2] == pytest.approx(0.02, abs=0.005)
    verdict = SKILLS.verify(PUSH.option("red block", "top"), sim_world.oracle_scene(),
                            GEOMETRY, before)
    assert verdict.holds, verdict.evidence
    run("robot.pick_and_place(red block, blue bowl)", sim_world, sim_arm)
    assert sim_world.is_in("red block", "blue bowl")
