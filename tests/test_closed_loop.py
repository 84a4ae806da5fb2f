"""The closed loop: each step's effect checked on the perceived scene (OpenCV on rendered frames,
PyBullet DIRECT), the evidence given to the planner, retries bounded, steps that already hold
not executed, flickering detections looked at again, arm faults cleared on simulated arms.
The table is disturbed by hand here (the `faults` group does it at random in benchmarks)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
from hydra import compose, initialize_config_module

from agent.loop import GRASP_YAW_TURNS, Agent
from agent.session import SimSession, build, open_session, recovery_policy
from drivers import MotionInterrupted
from perception.types import Detection, Frame, Scene
from planner.prompt import PromptBuilder
from sim.scene_gen import SceneSpec
from sim.tasks.checks import unmet_as_perceived
from skills.goals import In
from skills.library.pick_and_place import pick_and_place_option
from skills.types import AffordedOption, Option, Outcome, Step

pytestmark = pytest.mark.sim

SCENE = SceneSpec(blocks=("red", "green", "yellow"), bowls=("blue", "gray"), seed=0)
RED_TO_BLUE = pick_and_place_option("red block", "blue bowl")
AWAY = (0.62, -0.2, 0.02)  # a free spot on the table


@pytest.fixture(scope="module")
def session(scripted_opencv_session: SimSession) -> SimSession:
    return scripted_opencv_session


class FixedPlan:
    """Chooses the given options in turn whatever they are afforded, then done()."""

    def __init__(self, plan: Sequence[Option]) -> None:
        self.plan = list(plan)
        self.seen: list[tuple[Scene, tuple[AffordedOption, ...]]] = []

    def next_step(self, command: str, scene: Scene, options: Sequence[AffordedOption],
                  history: Sequence[Outcome]) -> Step:
        self.seen.append((scene, tuple(options)))
        if len(history) < len(self.plan):
            return Step(self.plan[len(history)])
        return Step(next(a.option for a in options if a.option.is_done))


def agent(session: SimSession, planner=None, perceive=None, **kwargs) -> Agent:
    return Agent(perceive=perceive or session.perceive, planner=planner or session.planner,
                 driver=session.driver, affordance=build(session.cfg.affordance),
                 compiler=build(session.cfg.compiler), max_steps=6,
                 skills=session.skills, **kwargs)


def beside_the_blue_bowl(session: SimSession) -> tuple[float, float, float]:
    """Just outside the blue bowl's rim, where a block that missed the bowl would land."""
    x, y, _ = session.world.object_pose("blue bowl").position
    return (x + 0.09, y, 0.02)


def displacing(session: SimSession, block: str, times: int, beside: bool = False) -> object:
    """A perceiver that, the first `times` times it finds `block` in the blue bowl, moves it
    before looking: far away (a person taking it out) or, `beside`, just outside the bowl (as
    a place that missed would leave it)."""
    moved = {"n": 0}

    def perceive() -> tuple[Frame, Scene]:
        if moved["n"] < times and session.world.is_in(block, "blue bowl"):
            session.world.set_object_pose(block, beside_the_blue_bowl(session) if beside
                                          else AWAY)
            session.world.step(10)
            moved["n"] += 1
        return session.perceive()
    return perceive


def missing(session: SimSession, name: str, calls: dict[str, int],
            when: Callable[[int], bool]) -> Callable[[], tuple[Frame, Scene]]:
    """A perceiver whose n-th frame (counted in `calls`) lacks the object when `when(n)`."""
    def perceive() -> tuple[Frame, Scene]:
        calls["n"] += 1
        frame, scene = session.perceive()
        if when(calls["n"]):
            scene = Scene(tuple(o for o in scene.objects if o.name != name), scene.locations)
        return frame, scene
    return perceive


def run(session: SimSession, instruction: str, **kwargs):
    session.reset(SCENE)
    with session.driver:
        return agent(session, **kwargs).run(instruction)


def test_a_step_whose_effect_is_not_seen_fails_with_evidence_and_is_redone(
        session: SimSession) -> None:
    session.planner.set_goal((In("red block", "blue bowl"),))
    episode = run(session, "put the red block in the blue bowl",
                  perceive=displacing(session, "red block", 1, beside=True))
    first, second = episode.records[:2]
    assert first.result.success and not first.succeeded and not first.recovery
    assert not first.verdict.holds
    assert "red block seen on the table" in first.verdict.evidence
    assert "cm from the blue bowl" in first.verdict.evidence
    assert second.step.option == RED_TO_BLUE and second.succeeded
    assert second.verdict.evidence == "red block seen in blue bowl"
    assert episode.finished and session.world.is_in("red block", "blue bowl")
    grasp_yaws = [next(p.pose[5] for p in r.result.primitives if p.phase == "descend")
                  for r in (first, second)]
    turned = (grasp_yaws[1] - grasp_yaws[0]) % (math.pi / 2)
    assert GRASP_YAW_TURNS[1] == pytest.approx(math.pi / 4)
    assert turned == pytest.approx(0.0)  # turned 45 degrees, a finger would hit the bowl


def test_a_block_moved_away_after_the_place_is_put_back_without_counting_a_retry(
        session: SimSession) -> None:
    session.planner.set_goal((In("red block", "blue bowl"),))
    episode = run(session, "put the red block in the blue bowl",
                  perceive=displacing(session, "red block", 3), max_retries=1)
    assert [r.step.option.text for r in episode.records] == [RED_TO_BLUE.text] * 4 + ["done()"]
    moved, last = episode.records[:3], episode.records[3]
    for record in moved:
        assert record.result.success and record.result.released_at is not None
        assert not record.succeeded and "cm from the blue bowl" in record.verdict.evidence
        assert record.recovery.startswith("not counted as a failed attempt: red block seen ")
        assert record.recovery.endswith(" cm from where the gripper let go of it (moved after "
                                        "the place)")
    assert last.succeeded and episode.finished
    assert session.world.is_in("red block", "blue bowl")
    yaws = {next(p.pose[5] for p in r.result.primitives if p.phase == "descend")
            for r in episode.records[:4]}
    assert len(yaws) == 1  # the grasp worked: it is not turned


def test_without_feedback_the_arm_report_is_trusted(session: SimSession) -> None:
    session.planner.set_goal((In("red block", "blue bowl"),))
    episode = run(session, "put the red block in the blue bowl",
                  perceive=displacing(session, "red block", 1), feedback=False)
    assert [r.step.option.text for r in episode.records] == [RED_TO_BLUE.text, "done()"]
    assert episode.records[0].verdict is None and episode.records[0].succeeded
    assert not session.world.is_in("red block", "blue bowl")


def test_the_planner_sees_the_evidence_in_its_prompt(session: SimSession) -> None:
    seen: list[Sequence[Outcome]] = []

    class Recording(FixedPlan):
        def next_step(self, command, scene, options, history):
            seen.append(tuple(history))
            return super().next_step(command, scene, options, history)

    run(session, "put the red block in the blue bowl", planner=Recording([RED_TO_BLUE]),
        perceive=displacing(session, "red block", 1))
    failed = seen[1][0]
    assert not failed.success and failed.note.startswith("red block seen on the table")
    prompt = PromptBuilder(examples=(), scene_feedback=True).build(
        "put the red block in the blue bowl", failed.after, seen[1])
    assert f"{RED_TO_BLUE.text}\n# failed: {failed.note}\nstate = [" in prompt


def test_a_step_that_already_holds_is_not_executed(session: SimSession) -> None:
    episode = run(session, "put the red block in the blue bowl",
                  planner=FixedPlan([RED_TO_BLUE, RED_TO_BLUE]))
    first, second = episode.records[:2]
    assert first.succeeded and first.result.primitives
    assert second.succeeded and not second.result.primitives
    assert second.result.message.startswith("not executed: already holds")
    assert session.world.is_in("red block", "blue bowl")


def test_retries_are_bounded_by_max_retries(session: SimSession) -> None:
    session.planner.set_goal((In("red block", "blue bowl"),))
    episode = run(session, "put the red block in the blue bowl",
                  perceive=displacing(session, "red block", 10, beside=True), max_retries=1)
    chosen = [r.step.option.text for r in episode.records]
    assert chosen == [RED_TO_BLUE.text] * 2 + ["done()"]
    vetoed = next(a for a in episode.records[-1].afforded if a.option == RED_TO_BLUE)
    assert vetoed.affordance == 0 and "failed 2 times" in vetoed.reason
    assert episode.records[-1].step.note == "the move ('red block', 'blue bowl') is not " \
        "offered or not afforded"


def test_done_is_vetoed_while_a_failed_step_can_be_tried_again(session: SimSession) -> None:
    for feedback in (True, False):
        planner = FixedPlan([RED_TO_BLUE])  # then done(), whatever it is afforded
        run(session, "put the red block in the blue bowl", planner=planner,
            perceive=displacing(session, "red block", 1), feedback=feedback)
        done = next(a for a in planner.seen[1][1] if a.option.is_done)
        if feedback:
            assert done.affordance == 0.0
            assert done.reason == f"{RED_TO_BLUE.text} failed and can be tried again"
        else:  # the arm's report is trusted: nothing failed
            assert done.affordance > 0.0


def test_an_object_missing_from_one_frame_is_looked_for_again(session: SimSession) -> None:
    calls = {"n": 0}
    flickering = missing(session, "green block", calls, lambda n: n % 2 == 1)  # every other
    planner = FixedPlan([RED_TO_BLUE])
    episode = run(session, "put the red block in the blue bowl", planner=planner,
                  perceive=flickering)
    assert all(scene.get("green block") is not None for scene, _ in planner.seen)
    assert episode.finished and calls["n"] >= 4


def test_an_object_the_command_names_is_looked_for_before_it_is_called_absent(
        session: SimSession) -> None:
    calls = {"n": 0}
    late_red = missing(session, "red block", calls, lambda n: n <= 2)  # seen from frame 3
    planner = FixedPlan([])
    run(session, "put the red block in the blue bowl", planner=planner, perceive=late_red,
        looks=3)
    assert planner.seen[0][0].get("red block") is not None
    assert calls["n"] == 4  # three looks at the start, one before stopping
    calls["n"] = 0
    run(session, "put the pink block in the blue bowl", planner=planner, perceive=late_red,
        looks=3)
    assert calls["n"] == 4  # absent indeed: three looks, done(), one more look


def test_at_the_start_the_camera_looks_until_two_looks_in_a_row_find_nothing_new(
        session: SimSession) -> None:
    calls = {"n": 0}
    late_green = missing(session, "green block", calls, lambda n: n <= 2)  # seen from frame 3
    planner = FixedPlan([])
    run(session, "put the red block in the blue bowl", planner=planner, perceive=late_green)
    assert planner.seen[0][0].get("green block") is not None
    # five looks at the start (the third saw green, two more nothing new), one before stopping
    assert calls["n"] == 6


def test_before_stopping_the_camera_looks_once_more(session: SimSession) -> None:
    calls = {"n": 0}
    late_green = missing(session, "green block", calls, lambda n: n <= 3)  # seen from frame 4
    planner = FixedPlan([])
    episode = run(session, "put the red block in the blue bowl", planner=planner,
                  perceive=late_green)
    first, second = episode.records
    assert first.step.option.is_done and first.scene.get("green block") is None
    assert first.recovery == "looked again before stopping and saw the green block: planning on"
    assert second.step.option.is_done and second.scene.get("green block") is not None
    assert second.recovery == "" and episode.finished and calls["n"] == 5
    without = run(session, "put the red block in the blue bowl", planner=FixedPlan([]),
                  feedback=False)
    assert len(without.records) == 1 and without.finished


def test_an_injected_arm_fault_is_cleared_on_a_simulated_arm_and_the_step_redone() -> None:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["instruction=unused", "planner=scripted",
                                           "perception=opencv", "faults=[arm_fault]",
                                           "faults.arm_fault.p=1", "faults.arm_fault.commands=1"])
    faulty = open_session(cfg, load_model=False)
    try:
        faulty.planner.set_goal((In("red block", "blue bowl"),))
        faulty.reset(SCENE)
        with faulty.driver:
            episode = faulty.agent().run("put the red block in the blue bowl")
        first = episode.records[0]
        assert not first.succeeded and "injected fault" in first.recovery
        assert "cleared" in first.recovery and "arm at home" in first.recovery
        assert len(episode.records) > 1  # the planner was asked again
        assert faulty.driver.get_state().fault is None
    finally:
        faulty.close()


class MotionLog:
    """The arm, with every motion command logged beside the fault the arm had when it came."""

    MOTIONS = ("move_joints", "move_linear", "gripper_open", "gripper_close")

    def __init__(self, driver) -> None:
        self.driver, self.sent = driver, []

    def __getattr__(self, name: str):
        attribute = getattr(self.driver, name)
        if name not in self.MOTIONS:
            return attribute

        def logged(*args, **kwargs):
            self.sent.append((name, self.driver.get_state().fault))
            return attribute(*args, **kwargs)
        return logged


def test_with_recovery_never_an_arm_fault_ends_the_episode_and_nothing_moves_after_it() -> None:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["instruction=unused", "planner=scripted",
                                           "perception=opencv", "faults=[arm_fault]",
                                           "faults.arm_fault.p=1", "faults.arm_fault.commands=1",
                                           "recovery.clear_faults=never"])
    faulty = open_session(cfg, load_model=False)
    try:
        faulty.planner.set_goal((In("red block", "blue bowl"),))
        faulty.reset(SCENE)
        log = faulty.driver = MotionLog(faulty.driver)
        with log.driver:
            episode = faulty.agent().run("put the red block in the blue bowl")
        fault = log.driver.get_state().fault
    finally:
        faulty.close()
    assert fault is not None and episode.message == f"stopped: the arm is in fault ({fault})"
    assert len(episode.records) == 1 and episode.records[0].recovery == ""
    assert log.sent and log.sent[0][1] is None  # it moved before the fault ...
    assert all(before is None for _, before in log.sent)  # ... and never once in fault


def test_an_emergency_stop_is_never_cleared(session: SimSession) -> None:
    session.planner.set_goal((In("red block", "blue bowl"),))
    session.reset(SCENE)
    joints = session.driver.get_state().joints
    with session.driver:
        session.driver.emergency_stop()
        try:
            episode = agent(session, clear_faults=True, home_after_failure=True).run(
                "put the red block in the blue bowl")
            state = session.driver.get_state()
        finally:
            session.driver.clear_fault()
    assert episode.message == "stopped: the arm is in fault (emergency stop)"
    assert len(episode.records) == 1 and episode.records[0].recovery == ""
    assert state.fault == "emergency stop"
    assert state.joints == pytest.approx(joints, abs=1e-3)


class StoppedOnSecondMove:
    """The session's arm, with `stop()` arriving during the second linear move (as from another
    thread): the arm stops and the move raises MotionInterrupted. Counts the moves after it."""

    def __init__(self, driver) -> None:
        self._driver, self.moves, self.after_stop = driver, 0, 0

    def __getattr__(self, name: str):
        return getattr(self._driver, name)

    def move_linear(self, *args, **kwargs) -> None:
        self.moves += 1
        if self.moves == 2:
            self._driver.stop()
            raise MotionInterrupted("stop() during the move")
        self.after_stop += self.moves > 2
        self._driver.move_linear(*args, **kwargs)

    def move_joints(self, *args, **kwargs) -> None:
        self.after_stop += self.moves >= 2
        self._driver.move_joints(*args, **kwargs)


def test_a_stop_ends_the_episode_and_nothing_moves_after_it(session: SimSession) -> None:
    session.planner.set_goal((In("red block", "blue bowl"),))
    session.reset(SCENE)
    stopped = StoppedOnSecondMove(session.driver)
    with session.driver:
        episode = Agent(perceive=session.perceive, planner=session.planner, driver=stopped,
                        affordance=build(session.cfg.affordance),
                        compiler=build(session.cfg.compiler), max_steps=6,
                        skills=session.skills, clear_faults=True,
                        home_after_failure=True).run("put the red block in the blue bowl")
    assert episode.message == "stopped: the motion was interrupted (stop)"
    assert len(episode.records) == 1 and episode.records[0].recovery == ""
    assert episode.records[0].result.error == "MotionInterrupted"
    assert stopped.after_stop == 0


@pytest.mark.parametrize("key", ["clear_faults", "home_after_failure"])
def test_recovery_policies_depend_on_the_arm(key: str) -> None:
    with initialize_config_module("conf", version_base="1.3"):
        sim = compose("config", overrides=["instruction=unused"])
        real = compose("config", overrides=["instruction=unused", "robot=xarm"])
        never = compose("config", overrides=["instruction=unused", f"recovery.{key}=never"])
        bad = compose("config", overrides=["instruction=unused", f"recovery.{key}=always"])
    assert recovery_policy(sim, key) and not recovery_policy(real, key)
    assert not recovery_policy(never, key)
    with pytest.raises(ValueError, match=f"recovery.{key} must be one of never, sim_only"):
        recovery_policy(bad, key)


@pytest.mark.parametrize("home_after_failure", [True, False])
def test_after_a_step_that_failed_part_way_the_arm_goes_home_to_look_again(
        session: SimSession, home_after_failure: bool) -> None:
    first = {"done": False}

    def stale_first() -> tuple[Frame, Scene]:  # the first scene has the red block 6 cm off
        frame, scene = session.perceive()
        if first["done"]:
            return frame, scene
        first["done"] = True
        moved = tuple(Detection(d.color, d.kind, (d.position[0] + 0.06, *d.position[1:]))
                      if d.name == "red block" else d for d in scene.objects)
        return frame, Scene(moved, scene.locations)

    session.reset(SCENE)
    with session.driver:
        episode = agent(session, planner=FixedPlan([RED_TO_BLUE]), perceive=stale_first,
                        looks=1, home_after_failure=home_after_failure
                        ).run("put the red block in the blue bowl")
        joints = session.driver.get_state().joints
    failed = episode.records[0]
    assert not failed.result.success and "nothing was held" in failed.result.message
    at_home = joints == pytest.approx(session.driver.info.home_joints, abs=0.02)
    if home_after_failure:
        assert failed.recovery == "gripper opened, arm at home" and at_home
    else:
        assert failed.recovery == "" and not at_home


def test_the_goal_is_judged_on_the_perceived_scene_too(session: SimSession) -> None:
    session.planner.set_goal((In("red block", "blue bowl"),))
    episode = run(session, "put the red block in the blue bowl")
    goal = (In("red block", "blue bowl"),)
    start = episode.records[0].scene
    assert unmet_as_perceived(episode.final_scene, goal, start) == []
    assert unmet_as_perceived(start, goal, start) == list(goal)
    unseen = Scene(tuple(o for o in episode.final_scene.objects if o.name != "red block"),
                   episode.final_scene.locations)
    assert unmet_as_perceived(unseen, goal, start) == list(goal)
