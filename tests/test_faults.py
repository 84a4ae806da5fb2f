"""Injected faults (the `faults` config group, `faults/`): each one at p = 1 does what it says in
the simulator (PyBullet DIRECT, scripted planner, oracle perception), at p = 0 never fires, the
same seed gives the same faults, faults combine, a real arm with faults is refused, and the
benchmark's results line and label carry them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_module
from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from omegaconf import DictConfig

import conf
from agent.fault_config import build_faults, fault_label, register_fault_label
from agent.session import SimSession, open_session
from agent.types import EpisodeResult
from drivers import ArmFault, LimitError
from faults.base import FaultEvent
from faults.injector import FaultInjector
from faults.perception_dropout import PerceptionDropout
from perception.detector import sort_detections
from perception.types import Detection, Frame, Scene
from sim.scene_gen import SceneSpec
from sim.tasks.task import Task
from skills.compiler import CompilerConfig, compile_step
from skills.goals import In
from skills.library.pick_and_place import pick_and_place_option
from skills.primitives import run_primitive
from skills.types import Step
from stackbot.overrides import UsageError, prepare
from tests.skill_sets import SKILLS
from tools.bench.task_episode import run_task

FAULT_NAMES = sorted(path.stem for path in (Path(conf.__file__).parent / "faults").glob("*.yaml"))
SCENE = SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=1)
RED_IN_BLUE = (In("red block", "blue bowl"),)
INSTRUCTION = "put the red block in the blue bowl"
BLOCK_REST_Z = 0.02  # a 4 cm block resting on the table


def config(*overrides: str, name: str = "config") -> DictConfig:
    with initialize_config_module("conf", version_base="1.3"):
        return compose(name, overrides=["instruction=unused", "planner=scripted",
                                        "perception=oracle", *overrides])


@contextmanager
def session_with(*overrides: str) -> Iterator[SimSession]:
    opened = open_session(config(*overrides), load_model=False)
    try:
        opened.planner.set_goal(RED_IN_BLUE)
        opened.reset(SCENE)
        yield opened
    finally:
        opened.close()


def run_episode(session: SimSession) -> tuple[FaultEvent, ...]:
    session.reset(SCENE)
    with session.driver:
        session.agent().run(INSTRUCTION)
    assert session.faults is not None
    return session.faults.fired


def horizontal(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return math.dist(a[:2], b[:2])


# configuration --------------------------------------------------------------------------------
def test_no_faults_by_default() -> None:
    assert build_faults(config()) is None
    assert fault_label(config().faults) == ""


@pytest.mark.parametrize("name", FAULT_NAMES)
def test_every_fault_config_composes_and_builds_the_fault_it_names(name: str) -> None:
    assert {"slip", "nudge", "perception_dropout", "arm_fault"} <= set(FAULT_NAMES)
    injector = build_faults(config(f"faults={name}"))
    assert injector is not None and injector.names == (name,)
    assert 0 <= injector.parameters()[name]["p"] <= 1


def test_faults_combine_each_with_its_parameters() -> None:
    injector = build_faults(config("faults=[slip,nudge]", "faults.slip.p=0.3", "faults.seed=4"))
    assert injector is not None and injector.names == ("slip", "nudge")
    assert injector.parameters() == {"slip": {"p": 0.3}, "nudge": {"p": 0.2, "min_shift": 0.1}}
    assert injector.seed == 4
    with pytest.raises(InstantiationException, match=r"faults.slip.p must be in \[0, 1\]"):
        build_faults(config("faults=slip", "faults.slip.p=1.5"))


def test_the_command_line_takes_fault_choices_and_parameters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # where the run directory would go
    args = ["faults=[slip,nudge]", "faults.slip.p=0.3", "faults.seed=2"]
    assert prepare(args, "bench") == args
    with pytest.raises(UsageError, match="unknown faults 'bogus'"):
        prepare(["faults=bogus"], "bench")
    with pytest.raises(UsageError, match="faults.slip.p must be a number"):
        prepare(["faults=slip", "faults.slip.p=often"], "bench")


def test_a_real_arm_with_faults_is_refused_before_anything_is_built() -> None:
    cfg = config("robot=xarm", "faults=[slip,arm_fault]")
    with pytest.raises(ValueError) as refused:
        open_session(cfg, load_model=False)  # the xArm SDK is not even imported
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("faults=[slip,arm_fault] apply to simulated arms only")
    assert "drivers.xarm.XArmDriver is a real arm" in message
    assert build_faults(config("robot=xarm")) is None  # no faults: nothing to refuse


def test_the_benchmark_label_names_the_faults_only_when_there_are_some() -> None:
    register_fault_label()
    labels = []
    for overrides in ([], ["faults=[slip,nudge]", "faults.slip.p=0.3"]):
        with initialize_config_module("conf", version_base="1.3"):
            cfg = compose("bench", overrides=overrides, return_hydra_config=True)
        HydraConfig.instance().set_config(cfg)
        labels.append((str(cfg.label), str(cfg.results)))
    assert labels[0] == ("saycan-llama_cpp-opencv", "outputs/bench/saycan-llama_cpp-opencv.jsonl")
    assert labels[1][0] == "saycan-llama_cpp-opencv-faults_slip_p0.3+nudge_p0.2"
    seeded = {"seed": 2, "slip": {"_target_": "faults.slip.Slip", "p": 0.5}}
    assert fault_label(seeded) == "-faults_slip_p0.5_seed2"


# pure logic: the same seed gives the same faults ----------------------------------------------
def frame() -> Frame:
    return Frame(np.zeros((2, 2, 3), np.uint8), np.ones((2, 2), np.float32), np.eye(3), np.eye(4))


TABLE = Scene(tuple(Detection(color, "block", (0.3 + 0.05 * i, 0.0, 0.02))
                    for i, color in enumerate(("red", "green", "blue", "yellow"))))


def dropout_scenes(seed: int, scene_seed: int, frames: int = 10) -> list[Scene]:
    injector = FaultInjector([PerceptionDropout(p=0.5, sigma=0.01)], seed)
    injector.reset(scene_seed)
    return [injector.perceive(lambda: (frame(), TABLE))[1] for _ in range(frames)]


def test_the_same_seeds_give_the_same_faults() -> None:
    assert dropout_scenes(0, 7) == dropout_scenes(0, 7)
    assert dropout_scenes(0, 7) != dropout_scenes(0, 8)
    assert dropout_scenes(0, 7) != dropout_scenes(1, 7)


def test_drain_returns_the_events_since_the_last_drain_and_ends_the_step() -> None:
    injector = FaultInjector([PerceptionDropout(p=1.0, sigma=0.0)])
    injector.reset(0)
    injector.perceive(lambda: (frame(), TABLE))
    first = injector.drain()
    injector.perceive(lambda: (frame(), TABLE))
    injector.perceive(lambda: (frame(), TABLE))
    second = injector.drain()
    assert [e.step for e in first] == [0] and [e.step for e in second] == [1, 1]
    assert injector.drain() == ()
    assert injector.fired == first + second
    assert first[0].detail == "the red block, green block, blue block, yellow block missing " \
                              "from the frame"
    injector.reset(0)
    assert injector.fired == () and injector.step == 0


# each fault in the simulator -------------------------------------------------------------------
@pytest.mark.sim
def test_slip_drops_the_block_half_way_through_the_carry() -> None:
    with session_with("faults=slip", "faults.slip.p=1") as session:
        scene = session.world.oracle_scene()
        step = Step(pick_and_place_option("red block", "blue bowl"))
        primitives = compile_step(step, scene, CompilerConfig(), SKILLS)
        start, bowl = (session.world.object_pose(n).position for n in ("red block", "blue bowl"))
        with session.driver:
            for primitive in primitives:
                run_primitive(primitive, session.driver)
                if primitive.phase == "carry":
                    break
            tool = session.driver.get_state().tool_pose
            assert not session.driver.get_state().holding
        block = session.world.object_pose("red block").position
        assert abs(block[2] - BLOCK_REST_Z) < 0.005  # fell to the table
        assert horizontal(block, bowl) > 0.08 and horizontal(block, tool) > 0.03
        assert horizontal(block, start) > 0.03  # carried part of the way first
        (event,) = session.faults.fired  # type: ignore[union-attr]
        assert event.fault == "slip" and event.step == 0
        assert event.detail.startswith("red block slipped during the carry at (")


@pytest.mark.sim
def test_nudge_moves_the_placed_block_away_before_the_next_frame() -> None:
    with session_with("faults=nudge", "faults.nudge.p=1", "max_steps=1") as session:
        bowl = session.world.object_pose("blue bowl").position
        with session.driver:
            episode = session.agent().run(INSTRUCTION)
        assert episode.records[0].result is not None and episode.records[0].result.success
        block = session.world.object_pose("red block").position
        assert not session.world.is_in("red block", "blue bowl")
        assert horizontal(block, bowl) >= 0.1 and abs(block[2] - BLOCK_REST_Z) < 0.005
        assert session.world.workspace.contains(block[0], block[1])
        (event,) = session.faults.fired  # type: ignore[union-attr]
        assert event.fault == "nudge" and event.detail.startswith("red block moved from (")


def episode_with(*overrides: str) -> EpisodeResult:
    with session_with(*overrides) as session, session.driver:
        return session.agent().run(INSTRUCTION)


@pytest.mark.sim
def test_a_block_lost_in_the_carry_fails_the_step_at_the_release_and_counts() -> None:
    episode = episode_with("faults=slip", "faults.slip.p=1", "max_steps=4", "agent.max_retries=1")
    attempts = [r for r in episode.records if r.result is not None and r.result.moved]
    assert len(attempts) == 2  # then the step is vetoed
    for record in attempts:
        assert not record.result.success and record.result.released_at is None
        assert record.result.message.startswith(
            "release failed: nothing was held when the gripper was to open (lost on the way)")
        assert record.recovery == "gripper opened, arm at home"  # not "not counted ..."
    option = attempts[0].step.option
    vetoed = next(a for a in episode.records[-1].afforded if a.option == option)
    assert vetoed.affordance == 0 and "failed 2 times" in vetoed.reason


@pytest.mark.sim
def test_a_nudged_block_is_put_back_and_the_attempt_is_not_counted() -> None:
    episode = episode_with("faults=nudge", "faults.nudge.p=1", "max_steps=3",
                           "agent.max_retries=0")
    assert [r.step.option for r in episode.records] == [episode.records[0].step.option] * 3
    for record in episode.records:
        assert record.result.success and record.result.released_at is not None
        assert not record.succeeded and "moved after the place" in record.recovery
    assert episode.message == "stopped at the step limit (3)"


@pytest.mark.sim
def test_dropout_at_p_1_sees_nothing() -> None:
    with session_with("faults=perception_dropout", "faults.perception_dropout.p=1") as session:
        _, scene = session.perceive()
        assert scene.objects == () and scene.locations
        (event,) = session.faults.fired  # type: ignore[union-attr]
        assert event.detail == "the green block, red block, blue bowl missing from the frame"


@pytest.mark.sim
def test_position_noise_has_about_the_configured_sigma() -> None:
    sigma = 0.01
    with session_with("faults=perception_dropout", "faults.perception_dropout.p=0",
                      f"faults.perception_dropout.sigma={sigma}") as session:
        truth = {d.name: d.position for d in session.world.oracle_detections()}
        offsets = []
        for _ in range(20):
            for seen in session.perceive()[1].objects:
                offsets.append(np.subtract(seen.position, truth[seen.name]))
        offsets_xy = np.array(offsets)[:, :2]
        assert len(offsets) == 60 and not session.faults.fired  # type: ignore[union-attr]
        assert 0.75 * sigma < offsets_xy.std() < 1.25 * sigma
        assert np.abs(np.array(offsets)[:, 2]).max() < 1e-9  # heights as detected


@pytest.mark.sim
def test_arm_fault_stops_a_motion_part_way_and_latches_a_fault() -> None:
    with session_with("faults=arm_fault", "faults.arm_fault.p=1",
                      "faults.arm_fault.commands=1") as session:
        driver = session.driver
        target = (0.5, 0.1, 0.2, math.pi, 0.0, 0.0)
        with driver:
            with pytest.raises(LimitError):  # the guard still checks first: nothing is faulted
                driver.move_linear((2.0, 0.0, 0.2, math.pi, 0.0, 0.0))
            before = driver.get_state().tool_pose
            with pytest.raises(ArmFault, match="injected fault"):
                driver.move_linear(target)
            state = driver.get_state()
            assert state.fault is not None and state.fault.startswith("injected fault")
            moved, left = math.dist(before[:3], state.tool_pose[:3]), math.dist(
                state.tool_pose[:3], target[:3])
            assert moved > 0.01 and left > 0.01  # part of the way
            with pytest.raises(ArmFault):
                driver.move_linear(target)
        (event,) = session.faults.fired  # type: ignore[union-attr]
        assert event.fault == "arm_fault" and event.detail == state.fault
        session.reset(SCENE)  # an injected fault ends with its episode
        assert driver.get_state().fault is None


@pytest.mark.sim
def test_faults_at_p_0_never_fire() -> None:
    with session_with("faults=[slip,nudge,perception_dropout,arm_fault]", "faults.slip.p=0",
                      "faults.nudge.p=0", "faults.perception_dropout.p=0",
                      "faults.perception_dropout.sigma=0", "faults.arm_fault.p=0") as session:
        assert session.perceive()[1].objects == sort_detections(session.world.oracle_detections())
        assert run_episode(session) == ()
        assert session.world.is_in("red block", "blue bowl")


@pytest.mark.sim
def test_the_same_task_gives_the_same_faults_every_run() -> None:
    with session_with("faults=[slip,nudge,perception_dropout]", "faults.slip.p=0.5",
                      "faults.nudge.p=0.5", "faults.perception_dropout.p=0.3") as session:
        first = run_episode(session)
        assert first and first == run_episode(session)


@pytest.mark.sim
def test_the_results_line_carries_the_faults_that_fired() -> None:
    task = Task("pick_place_v1", 1, INSTRUCTION, SCENE, RED_IN_BLUE)
    with session_with("faults=slip", "faults.slip.p=1", "max_steps=2") as session:
        record = run_task(session, task)
    assert record["faults_config"] == {"slip": {"p": 1.0}, "seed": 0}
    assert record["faults"] and all(f["fault"] == "slip" for f in record["faults"])
    assert set(record["faults"][0]) == {"fault", "step", "detail"}
    assert not record["execution_success"]
