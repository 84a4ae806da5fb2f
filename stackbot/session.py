"""Composition root: the only place that knows which concrete classes are wired together."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig

from faults.injector import FaultInjector
from perception.detector import perceive_scene
from perception.types import Frame, Scene
from skills.skill_set import DEFAULT_SKILLS, SkillSet
from stackbot.agent import Agent, EpisodeResult, StepRecord
from stackbot.arms import build_arm, build_world, safety_limits, world_config
from stackbot.command import describe_scene_spec, run_command
from stackbot.fault_config import build_faults
from stackbot.observers.config import build_observers
from stackbot.trace import RunRecorder

log = logging.getLogger(__name__)


def build(node: DictConfig, **bindings: Any) -> Any:
    """Instantiate a config node; a `_partial_` node is completed with the given bindings."""
    made = instantiate(node, _convert_="all")
    if isinstance(made, functools.partial):
        return made(**bindings)
    return made


def build_skills(cfg: DictConfig) -> SkillSet:
    """The skills the config lists (`skills: [pick_and_place, ...]`), in its order."""
    nodes = cfg.get("skills")
    return SkillSet.of(build(node) for node in nodes.values()) if nodes else DEFAULT_SKILLS


@dataclass
class SimSession:
    """One simulated world with its arm, camera, detector and planner, reusable across episodes."""

    world: Any
    driver: Any
    camera: Any
    detector: Any
    planner: Any
    cfg: DictConfig
    skills: SkillSet = DEFAULT_SKILLS
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

    def agent(self, on_step: Callable[[StepRecord], None] | None = None) -> Agent:
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
        )

    def close(self) -> None:
        try:
            self.camera.close()
        finally:
            self.world.close()


def open_session(cfg: DictConfig, load_model: bool = True) -> SimSession:
    """Build every component; the language model first, so a bad model path fails before the
    simulator starts (and long before anything could move). `load_model=False` hands the planner
    no model (for planners that need none, such as the scripted one). A real arm without a
    camera stops first (NoCameraError), before anything is built, and so do faults configured
    for a real arm (ValueError)."""
    faults = build_faults(cfg)
    world_config(cfg)
    skills = build_skills(cfg)
    model = build(cfg.llm) if load_model else None
    planner = build(cfg.planner, model=model)
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
    return policy == "sim_only" and bool(cfg.robot.get("_partial_"))


def min_free_bytes(cfg: DictConfig) -> int:
    """`min_free_mb`: the free space a run directory needs before the arm moves."""
    return int(float(cfg.get("min_free_mb", 32)) * 2**20)


def open_recorder(cfg: DictConfig, run_dir: Path) -> RunRecorder:
    """The recorder of one episode, its directory checked (writable, not full) at once, with
    the traces and recordings the config asks for (`telemetry`, `record.rerun`)."""
    dry_run = safety_limits(cfg.robot, cfg.get("safety")).dry_run  # as the arm's guard has it
    return RunRecorder(run_dir, dry_run=dry_run, min_free_bytes=min_free_bytes(cfg),
                       observers=build_observers(cfg, run_dir))


def open_command_line_session(cfg: DictConfig) -> SimSession:
    from stackbot.bench.worker import needs_model  # (it imports this module)

    return open_session(cfg, load_model=needs_model(cfg))  # a scripted planner needs none


def run_instruction(cfg: DictConfig, instruction: str, run_dir: Path) -> EpisodeResult:
    """One episode from the command line: build, reset the scene, run, print and record. The
    run directory is checked (writable, not full) before anything is built; a record that
    cannot be written ends the episode before the next motion (RunDirectoryError); Ctrl-C
    stops the arm and records the episode as interrupted (CommandInterrupted)."""
    scene_spec = build(cfg.scene)
    recorder = open_recorder(cfg, run_dir)
    session = open_command_line_session(cfg)
    print(f"instruction: {instruction}")
    print(f"{describe_scene_spec(scene_spec)}; run directory: {run_dir}")
    try:
        session.reset(scene_spec)
        return run_command(session, instruction, recorder)
    finally:
        session.close()
