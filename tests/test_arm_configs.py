"""Sweep: every arm config under conf/robot/ that can run here completes pick_and_place through
the session (so behind the safety guard). Real-arm configs run against their in-package SDK fakes;
robot=remote against a real arm server process serving the simulated Panda. A real arm has no
camera here: its session perceives the simulated table only because the test says so."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from agent.arms import NoCameraError
from agent.session import open_session
from drivers.fakes.robotiq import FakeRobotiq
from drivers.guard import SafetyGuard
from sim.scene_gen import SceneSpec
from skills.compiler import compile_step
from skills.primitives import execute
from skills.types import Option, Step
from tests.arm_fakes import FAKE_UR_BACKEND, FAKE_XARM
from tests.arm_servers import TOKEN, arm_server
from tests.skill_sets import SKILLS

pytestmark = pytest.mark.sim

ROBOT_CONFIGS = sorted(Path(str(p)).stem for p in files("conf").joinpath("robot").iterdir()
                       if str(p).endswith(".yaml"))
# The block really moves: checked on the world's state.
SIMULATED = {"panda_sim", "xarm6_sim", "remote"}
SCENE = SceneSpec(blocks=("red", "green", "yellow"), bowls=("blue", "gray"), seed=0)


@contextlib.contextmanager
def overrides_for(robot: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What each config needs to run on this machine (fakes for vendor SDKs, a server)."""
    base = [f"robot={robot}", "instruction=unused", "planner=scripted", "perception=oracle"]
    if robot not in SIMULATED:  # a real arm's SDK fake, with the simulated table on purpose
        base.append("+robot.world=${sim}")
    if robot == "remote":
        monkeypatch.setenv("STACKBOT_ARM_TOKEN", TOKEN)
        with arm_server() as port:
            yield [*base, f"robot.server.port={port}"]
    elif robot == "xarm":
        yield [*base, *FAKE_XARM]
    elif robot == "ur":
        with FakeRobotiq(object_width_m=0.04) as gripper:
            yield [*base, *FAKE_UR_BACKEND, f"robot.gripper_port={gripper.port}",
                   "robot.gripper_host=127.0.0.1"]
    else:
        yield base


def test_every_robot_config_is_covered() -> None:
    assert {"panda_sim", "xarm6_sim", "remote", "xarm", "ur", "example_gantry"} <= set(
        ROBOT_CONFIGS)


@pytest.mark.parametrize("robot", ROBOT_CONFIGS)
def test_pick_and_place_on_every_arm_config(robot: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with overrides_for(robot, monkeypatch) as overrides:
        with initialize_config_module("conf", version_base="1.3"):
            cfg = compose("config", overrides=overrides)
        session = open_session(cfg, load_model=False)
        try:
            assert isinstance(session.driver, SafetyGuard)
            session.reset(SCENE)
            _, scene = session.perceive()
            step = Step(Option("pick_and_place", ("red block", "blue bowl"),
                               "robot.pick_and_place(red block, blue bowl)"))
            with session.driver:
                result = execute(step, compile_step(step, scene, session.agent()._compiler, SKILLS),
                                 session.driver)
            assert result.success, result.message
            if robot in SIMULATED:
                assert session.world.is_in("red block", "blue bowl")
        finally:
            session.close()


def test_dry_run_from_the_config_moves_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["instruction=unused", "planner=scripted",
                                           "perception=oracle", "safety.dry_run=true"])
    session = open_session(cfg, load_model=False)
    try:
        session.reset(SCENE)
        before = session.world.object_pose("red block").position
        joints = session.driver.get_state().joints
        _, scene = session.perceive()
        step = Step(Option("pick_and_place", ("red block", "blue bowl"), "x"))
        with session.driver:
            assert execute(step, compile_step(step, scene, session.agent()._compiler, SKILLS),
                           session.driver).success
        assert session.world.object_pose("red block").position == pytest.approx(before)
        assert session.driver.get_state().joints == pytest.approx(joints, abs=1e-3)
        printed = capsys.readouterr().out
        assert "dry run: move_linear" in printed and "dry run: gripper_close" in printed
    finally:
        session.close()


@pytest.mark.parametrize("overrides", [["robot=xarm"], ["robot=ur"], ["robot=example_gantry"],
                                       ["robot=remote", "robot.world=null"]])
def test_a_real_arm_without_a_camera_stops_before_anything_is_built(
        overrides: list[str]) -> None:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["instruction=unused", "llm.model_path=/no/such.gguf",
                                           *overrides])
    with pytest.raises(NoCameraError, match="no camera for the real arm .*simulated table"):
        open_session(cfg)  # before the model (whose path does not exist) is loaded
