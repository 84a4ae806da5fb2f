"""The example third-party skill, point_at: configured beside pick_and_place, its options, its
primitives (the tool above the object and back) and its effect (none). In the simulator it
runs in tests/test_skills.py with every configured skill."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module

from agent.session import build_skills
from perception.types import Detection, Scene
from skills.compiler import CompilerConfig, compile_step
from skills.goals import In, evaluate_plan
from skills.library.pick_and_place import PICK_AND_PLACE
from skills.library.point_at import PointAt
from skills.options import AffordanceModel, enumerate_options
from skills.refusal import REFUSAL_OPTIONS
from skills.skill_set import SkillSet
from skills.types import Step

SCENE = Scene((Detection("red", "block", (0.5, 0.1, 0.02)),
               Detection("blue", "bowl", (0.4, -0.2, 0.0))), {"middle": (0.5, 0.0)})


def test_point_at_is_offered_after_pick_and_place_when_configured() -> None:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["skills=[pick_and_place,point_at]",
                                           "instruction=unused"])
    skills = build_skills(cfg)
    assert skills.names == ("pick_and_place", "point_at")
    texts = [o.text for o in enumerate_options(SCENE, skills)]
    refusals = [o.text for o in REFUSAL_OPTIONS]  # on by default, offered before done()
    assert texts[-3 - len(refusals):] == [
        "robot.point_at(red block)", "robot.point_at(blue bowl)", *refusals, "done()"]
    assert texts[:-3 - len(refusals)] == [o.text for o in skills.skills[0].options(SCENE)]
    afforded = AffordanceModel().afford(enumerate_options(SCENE, skills), SCENE, skills=skills)
    assert {a.option.text: a.affordance for a in afforded}["robot.point_at(blue bowl)"] == 1.0


def test_the_tool_hovers_above_the_object_and_comes_back() -> None:
    skill = PointAt()
    step = Step(skill.option("red block"))
    prims = compile_step(step, SCENE, CompilerConfig(), SkillSet((skill,)))
    assert [p.phase for p in prims] == ["approach", "point", "retreat", "home"]
    point = prims[1].pose
    assert point is not None and point[:3] == pytest.approx((0.5, 0.1, 0.02 + skill.hover_height))
    assert all(p.kind != "gripper_close" for p in prims)
    with pytest.raises(ValueError, match="unknown object 'green block'"):
        compile_step(Step(skill.option("green block")), SCENE, CompilerConfig(),
                     SkillSet((skill,)))


def test_pointing_moves_nothing() -> None:
    skills = SkillSet((PICK_AND_PLACE, PointAt()))
    goal = (In("red block", "blue bowl"),)
    put = PICK_AND_PLACE.option("red block", "blue bowl")
    pointed = PointAt().option("red block")
    assert evaluate_plan(goal, ["red block"], [pointed], skills) == (False, list(goal))
    assert evaluate_plan(goal, ["red block"], [pointed, put, pointed], skills) == (True, [])
