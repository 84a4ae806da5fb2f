"""Every configured skill (each `conf/skills/*.yaml`) in the simulator: options on the scene
perceived, compile, execute, and then the table is what the skill's symbolic effect says
(through the goal model) and what its own check sees on the scene after each call, with every
pose the tool was sent to reached (PyBullet, Panda)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

import conf
from agent.session import build_skills
from perception.types import Scene
from sim.arm import SimArmDriver
from sim.scene_gen import SceneSpec
from sim.world import World
from skills.compiler import CompilerConfig, compile_step
from skills.goals import Goal, Predicate, Unmoved, resting_predicate, unmet
from skills.options import AffordanceModel, enumerate_options
from skills.primitives import execute
from skills.skill_set import SkillSet
from skills.symbolic import SymbolicState
from skills.types import Option, Step

SKILL_NAMES = sorted(path.stem for path in (Path(conf.__file__).parent / "skills").glob("*.yaml"))
STEPS = 2  # calls per skill, each the first afforded one not made yet, on the scene as it is then
REACHED = 0.01  # metres between a commanded tool position and where the tool got


def configured(name: str) -> SkillSet:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=[f"skills=[{name}]", "instruction=unused"])
    return build_skills(cfg)


def test_every_skill_config_builds_the_skill_it_names() -> None:
    assert "pick_and_place" in SKILL_NAMES
    for name in SKILL_NAMES:
        assert configured(name).names == (name,)


def effect_as_goal(state: SymbolicState, scene: Scene) -> Goal:
    """What the symbolic state says of each block, as goal predicates."""
    goal: list[Predicate] = []
    for block, support in state.support.items():
        if block not in state.moved:
            goal.append(Unmoved(block))
        elif (resting := resting_predicate(block, support, scene.locations)) is not None:
            goal.append(resting)
    return tuple(goal)


@pytest.mark.sim
@pytest.mark.parametrize("name", SKILL_NAMES)
def test_skill_runs_in_the_simulator_and_does_what_its_effect_says(
    sim_world: World, sim_arm: SimArmDriver, name: str
) -> None:
    skills, config, affordance = configured(name), CompilerConfig(), AffordanceModel()
    sim_world.reset(SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=5))
    start = {n: pose.position for n, pose in sim_world.object_poses().items()}
    state = SymbolicState.initial(n for n in start if n.endswith(" block"))
    made: list[Option] = []
    for _ in range(STEPS):
        scene = sim_world.oracle_scene()
        options = enumerate_options(scene, skills)
        assert options[-1].is_done and all(o.skill == name for o in options[:-1]
                                           if not o.is_refusal)
        afforded = affordance.afford(options, scene, reach=lambda p: sim_arm.is_reachable(
            (*p, math.pi, 0.0, 0.0)), skills=skills)
        option = next(a.option for a in afforded if not (a.option.is_done or a.option.is_refusal)
                      and a.affordance > 0 and a.option not in made)
        step = Step(option)
        for primitive in compile_step(step, scene, config, skills):
            result = execute(step, [primitive], sim_arm)
            assert result.success, (option.text, result.message)
            if primitive.kind == "move_linear" and primitive.pose is not None:
                got = sim_arm.get_state().tool_pose[:3]
                assert math.dist(got, primitive.pose[:3]) < REACHED, (option.text, primitive)
        sim_world.step(120)  # let what was released settle
        verdict = skills.verify(option, sim_world.oracle_scene(), affordance.geometry, scene)
        assert verdict.holds or not verdict.checked, (option.text, verdict.evidence)
        made.append(option)
        state = skills.apply(state, [option])
    assert unmet(effect_as_goal(state, scene), sim_world.snapshot(start)) == [], [
        o.text for o in made]
