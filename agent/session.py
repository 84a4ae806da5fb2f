"""Composition root: the only place that knows which concrete classes are wired together."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from omegaconf import DictConfig

from agent.arms import build_arm, build_world, world_config
from agent.config import build, is_simulated
from agent.fault_config import build_faults
from agent.loop import Agent
from agent.types import Sensors, StepRecord
from faults.injector import FaultInjector
from perception.detector import perceive_scene
from perception.types import Frame, Scene
from skills.skill_set import SkillSet
from skills.types import Step

log = logging.getLogger(__name__)


def build_skills(cfg: DictConfig) -> SkillSet:
    """The skills the config lists (`skills: [pick_and_place, ...]`), in its order, with the
    refusal options when `refusals` is true."""
    nodes = cfg.get("skills")
    if not nodes:
        raise ValueError("the config lists no skills (skills=[pick_and_place, ...])")
    return SkillSet.of((build(node) for node in nodes.values()),
                       refusals=bool(cfg.get("refusals", False)))


@dataclass
class SimSession:
    """One simulated world with its arm, camera, detector and planner, reusable across episodes."""

    world: Any
    driver: Any
    camera: Any
    detector: Any
    planner: Any
    cfg: DictConfig
    skills: SkillSet
    faults: FaultInjector | None = None  # the injected faults (`faults` group), if any

    def perceive(self) -> tuple[Frame, Scene]:
        if self.faults is not None:
            return self.faults.perceive(self._perceive)
        return self._perceive()

    def _perceive(self) -> tuple[Frame, Scene]:
        frame = self.camera.read()
        scene = perceive_scene(self.detector, frame, self.world.workspace.named_locations())
        return frame, scene

    def reset(self, scene_spec: Any) -> None:
        self.world.reset(scene_spec)
        if self.faults is not None:
            if self.faults.arm_in_fault:  # an injected arm fault ends with its episode
                self.driver.clear_fault()
            self.faults.reset(scene_spec.seed)

    def agent(self, on_step: Callable[[StepRecord], None] | None = None,
              confirm_guess: Callable[[Step], bool] | None = None) -> Agent:
        """`confirm_guess`: asked whether to go ahead with a step the planner is unsure of
        (None: the episode ends unsure)."""
        loop = self.cfg.agent
        return Agent(
            perceive=self.perceive,
            planner=self.planner,
            driver=self.driver,
            affordance=build(self.cfg.affordance),
            compiler=build(self.cfg.compiler),
            max_steps=int(self.cfg.max_steps),
            on_step=on_step,
            skills=self.skills,
            feedback=bool(loop.feedback),
            max_retries=int(loop.max_retries),
            looks=int(loop.looks),
            clear_faults=recovery_policy(self.cfg, "clear_faults"),
            home_after_failure=recovery_policy(self.cfg, "home_after_failure"),
            fault_events=None if self.faults is None else self.faults.drain,
            confirm_guess=confirm_guess,
        )

    def sensors(self) -> Sensors:
        """What recordings read while an episode runs: the arm through its guard; the physics
        steps and the camera's view only with a local simulator (not a real table, nor a world
        behind an arm server) and a rendered camera."""
        from sim.camera import RenderedCamera  # here: a real cell loads no simulator

        steps = getattr(self.world, "add_step_listener", None)
        name = self.driver.info.name
        if steps is None or not isinstance(self.camera, RenderedCamera):
            return Sensors(self.driver.get_state, steps, arm_name=name)
        camera, world = self.camera.camera, self.world

        def render(width: int, height: int) -> Frame:
            return world.render(replace(camera, width=width, height=height))

        return Sensors(self.driver.get_state, steps, render, name)

    def close(self) -> None:
        try:
            self.camera.close()
        finally:
            self.world.close()


def needs_model(cfg: DictConfig) -> bool:
    """Whether the configured planner scores with a language model (the scripted one does not)."""
    return not str(cfg.planner._target_).endswith("ScriptedPlanner")


def open_session(cfg: DictConfig, load_model: bool | None = None) -> SimSession:
    """Build every component; the language model first, so a bad model path fails before the
    simulator starts (and long before anything could move). The planner gets no model when it
    needs none (the scripted one; `load_model` overrides). A real arm without a
    camera stops first (NoCameraError), before anything is built, and so do faults configured
    for a real arm (ValueError)."""
    if load_model is None:
        load_model = needs_model(cfg)
    faults = build_faults(cfg)
    world_config(cfg)
    skills = build_skills(cfg)
    model = build(cfg.llm) if load_model else None
    planner = build(cfg.planner, model=model, skills=skills)
    if model is not None and hasattr(planner, "warm_up"):
        log.debug("few-shot header: %s", planner.warm_up())
    world = build_world(cfg)  # the local simulator, or the one behind an arm server
    camera = None
    try:
        wrap = None if faults is None else functools.partial(faults.wrap, world=world)
        camera = build(cfg.camera, world=world)  # a camera that cannot open stops here
        driver = build_arm(cfg, world, wrap)  # always behind the safety guard (faults beneath)
        detector = build(cfg.perception, source=world.oracle_detections)
    except BaseException:
        if camera is not None:
            camera.close()
        world.close()
        raise
    return SimSession(world, driver, camera, detector, planner, cfg, skills, faults)


RECOVERY_POLICIES = ("never", "sim_only")


def recovery_policy(cfg: DictConfig, key: str) -> bool:
    """`recovery.<key>` (`clear_faults`: clear an arm fault and go on; `home_after_failure`: after
    a step that failed part way, open the gripper and go home to look again): `sim_only` (the
    default) does for a simulated arm (a driver completed with its world), never for a real
    one."""
    policy = str(cfg.recovery[key])
    if policy not in RECOVERY_POLICIES:
        raise ValueError(f"recovery.{key} must be one of {', '.join(RECOVERY_POLICIES)}, "
                         f"got {policy!r}")
    return policy == "sim_only" and is_simulated(cfg.robot)
