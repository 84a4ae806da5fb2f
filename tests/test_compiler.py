"""The compiler (pure logic) and compiler + executor + each simulated arm (real PyBullet)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from perception.types import Detection, Scene
from sim.arm import SimArmDriver
from sim.scene_gen import SceneSpec, random_scene_spec
from sim.world import World
from skills.compiler import CompilerConfig, compile_step
from skills.primitives import execute
from skills.types import Option, Step, StepResult
from skills.workspace import Workspace
from tests.skill_sets import SKILLS

CONFIG = CompilerConfig()


def _step(obj: str, target: str) -> Step:
    return Step(Option("pick_and_place", (obj, target), f"robot.pick_and_place({obj}, {target})"))


def _scene() -> Scene:
    return Scene(
        objects=(
            Detection("red", "block", (0.5, 0.1, 0.02)),
            Detection("green", "block", (0.6, -0.1, 0.02)),
            Detection("blue", "bowl", (0.4, -0.2, 0.0)),
        ),
        locations=Workspace().named_locations(),
    )


# ---- pure logic ------------------------------------------------------------------------------

def test_done_compiles_to_nothing() -> None:
    assert compile_step(Step(Option("done", (), "done()")), _scene(), CONFIG, SKILLS) == []


def test_phases_and_grasp_pose() -> None:
    prims = compile_step(_step("red block", "blue bowl"), _scene(), CONFIG, SKILLS)
    assert [p.phase for p in prims] == [
        "open", "approach", "descend", "grasp", "lift", "carry", "lower", "release", "retreat",
        "home"]
    grasp = prims[2].pose
    assert grasp is not None and grasp[:3] == pytest.approx((0.5, 0.1, 0.02))
    assert grasp[3:5] == pytest.approx((math.pi, 0.0))
    assert grasp[5] in (pytest.approx(0.0), pytest.approx(math.pi / 2))
    assert prims[3].kind == "gripper_close" and prims[3].expect_held is True


def test_grasp_yaw_turns_the_fingers_away_from_neighbours() -> None:
    lonely = Scene((Detection("red", "block", (0.5, 0.0, 0.02)),), {"middle": (0.5, 0.2)})
    prims = compile_step(_step("red block", "middle"), lonely, CONFIG, SKILLS)
    assert prims[2].pose is not None and prims[2].pose[5] == pytest.approx(0.0)
    # a bowl right beside the block in y: fingers opening along y would hit its rim
    crowded = Scene(lonely.objects + (Detection("blue", "bowl", (0.5, 0.12, 0.0)),),
                    {"middle": (0.5, -0.2)})
    prims = compile_step(_step("red block", "middle"), crowded, CONFIG, SKILLS)
    assert prims[2].pose is not None and prims[2].pose[5] == pytest.approx(math.pi / 2)


def test_a_retry_turns_the_grasp_where_the_fingers_have_room() -> None:
    turn = math.pi / 4
    turned = replace(CONFIG, grasp_yaw_turn=turn)
    lonely = Scene((Detection("red", "block", (0.5, 0.0, 0.02)),), {"middle": (0.5, 0.2)})
    prims = compile_step(_step("red block", "middle"), lonely, turned, SKILLS)
    assert prims[2].pose is not None and prims[2].pose[5] == pytest.approx(turn)
    # 9 cm beside a bowl (where a block that missed it lands) a diagonal finger meets the rim
    beside = Scene(lonely.objects + (Detection("blue", "bowl", (0.59, 0.0, 0.0)),),
                   {"middle": (0.5, 0.2)})
    prims = compile_step(_step("red block", "middle"), beside, turned, SKILLS)
    assert prims[2].pose is not None and prims[2].pose[5] == pytest.approx(0.0)


@pytest.mark.parametrize(("target", "xy", "z"), [
    ("blue bowl", (0.4, -0.2), 0.006 + 0.02 + 0.02),
    ("green block", (0.6, -0.1), 0.04 + 0.02 + 0.006),
    ("middle", (0.5, 0.0), 0.02 + 0.006),
])
def test_place_height_per_target_kind(target: str, xy: tuple[float, float], z: float) -> None:
    prims = compile_step(_step("red block", target), _scene(), CONFIG, SKILLS)
    lower = next(p for p in prims if p.phase == "lower")
    assert lower.pose is not None
    assert lower.pose[:3] == pytest.approx((*xy, z))
    travel = next(p for p in prims if p.phase == "carry").pose
    assert travel is not None and travel[2] >= CONFIG.travel_height


@pytest.mark.parametrize(("obj", "target", "match"), [
    ("purple block", "blue bowl", "unknown object 'purple block'"),
    ("red block", "purple bowl", "unknown target 'purple bowl'"),
    ("blue bowl", "middle", "only blocks"),
    ("red block", "red block", "itself"),
])
def test_bad_steps_raise(obj: str, target: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        compile_step(_step(obj, target), _scene(), CONFIG, SKILLS)


def test_unknown_skill_raises() -> None:
    with pytest.raises(ValueError, match="unknown skill"):
        compile_step(Step(Option("push", ("red block",), "push")), _scene(), CONFIG, SKILLS)


# ---- compiler + executor + simulated arm --------------------------------------------------------

def _run(world: World, arm: SimArmDriver, obj: str, target: str) -> StepResult:
    scene = Scene(world.oracle_detections(), world.workspace.named_locations())
    step = _step(obj, target)
    result = execute(step, compile_step(step, scene, CONFIG, SKILLS), arm)
    world.step(120)  # let the released block settle
    assert result.success, result.message
    return result


@pytest.mark.sim
@pytest.mark.parametrize("seed", range(4))
def test_pick_and_place_into_bowl_and_onto_block(
    any_sim_arm: tuple[World, SimArmDriver], seed: int
) -> None:
    world, arm = any_sim_arm
    spec = random_scene_spec(seed, n_blocks=(3, 4), n_bowls=(1, 2))
    world.reset(spec)
    a, b, c = (f"{color} block" for color in spec.blocks[:3])
    bowl = f"{spec.bowls[0]} bowl"
    _run(world, arm, a, bowl)
    assert world.is_in(a, bowl)
    _run(world, arm, b, c)
    assert world.is_on(b, c)
    assert world.is_in(a, bowl)  # nothing else was disturbed
    assert arm.get_state().joints == pytest.approx(arm.info.home_joints, abs=3e-3)


@pytest.mark.sim
def test_pick_and_place_to_every_named_location(any_sim_arm: tuple[World, SimArmDriver]) -> None:
    world, arm = any_sim_arm
    world.reset(SceneSpec(blocks=("red",), seed=7))
    for name in world.workspace.named_locations():
        _run(world, arm, "red block", name)
        assert world.is_at("red block", name), name


@pytest.mark.sim
def test_pick_and_place_stacks_three(any_sim_arm: tuple[World, SimArmDriver]) -> None:
    world, arm = any_sim_arm
    world.reset(SceneSpec(blocks=("red", "green", "blue"), seed=11))
    _run(world, arm, "green block", "red block")
    _run(world, arm, "blue block", "green block")
    assert world.is_on("green block", "red block")
    assert world.is_on("blue block", "green block")


@pytest.mark.sim
def test_failed_grasp_is_reported_and_recovered(sim_world: World, sim_arm: SimArmDriver) -> None:
    sim_world.reset(SceneSpec(blocks=("red",), seed=3), positions={"red block": (0.4, 0.15)})
    stale = Scene((Detection("red", "block", (0.6, -0.15, 0.02)),),
                  sim_world.workspace.named_locations())  # the block is no longer there
    step = _step("red block", "middle")
    result = execute(step, compile_step(step, stale, CONFIG, SKILLS), sim_arm)
    assert not result.success
    assert "grasp failed" in result.message and "nothing was held" in result.message
    assert [p.phase for p in result.primitives][-1] == "grasp"
    state = sim_arm.get_state()
    assert state.gripper_width > 0.07 and state.tool_pose[2] >= 0.14


@pytest.mark.sim
def test_arm_errors_become_failed_results(sim_world: World, sim_arm: SimArmDriver) -> None:
    sim_world.reset(SceneSpec(blocks=("red",), seed=3))
    far = Scene((Detection("red", "block", (1.4, 0.0, 0.02)),), {})
    step = _step("red block", "red block")
    with pytest.raises(ValueError):
        compile_step(step, far, CONFIG, SKILLS)
    step = Step(Option("pick_and_place", ("red block", "far"), "far"))
    primitives = compile_step(step, Scene(far.objects, {"far": (1.4, 0.5)}), CONFIG, SKILLS)
    result = execute(step, primitives, sim_arm)
    assert not result.success and "UnreachableError" in result.message
    sim_arm.emergency_stop()
    try:
        result = execute(step, compile_step(step, Scene(far.objects, {"far": (0.5, 0.0)}),
                                            CONFIG, SKILLS), sim_arm)
        assert not result.success and "ArmFault" in result.message
    finally:
        sim_arm.clear_fault()
