"""Composition root: the only place that knows which concrete classes are wired together."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from perception.detector import perceive_scene
from perception.types import Frame, Scene
from skills.skill_set import DEFAULT_SKILLS, SkillSet
from stackbot.agent import Agent, EpisodeResult, StepRecord
from stackbot.arms import build_arm, build_world, safety_limits, world_config
from stackbot.console import format_outcome, format_step
from stackbot.run_dir import RunDirectoryError
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

    def perceive(self) -> tuple[Frame, Scene]:
        frame = self.world.render(self.camera)
        scene = perceive_scene(self.detector, frame, self.world.workspace.named_locations())
        return frame, scene

    def reset(self, scene_spec: Any) -> None:
        self.world.reset(scene_spec)

    def agent(self, on_step: Callable[[StepRecord], None] | None = None) -> Agent:
        return Agent(
            perceive=self.perceive,
            planner=self.planner,
            driver=self.driver,
            affordance=build(self.cfg.affordance),
            compiler=build(self.cfg.compiler),
            max_steps=int(self.cfg.max_steps),
            on_step=on_step,
            skills=self.skills,
        )

    def close(self) -> None:
        self.world.close()


def open_session(cfg: DictConfig, load_model: bool = True) -> SimSession:
    """Build every component; the language model first, so a bad model path fails before the
    simulator starts (and long before anything could move). `load_model=False` hands the planner
    no model (for planners that need none, such as the scripted one). A real arm without a
    camera stops first (NoCameraError), before anything is built."""
    world_config(cfg)
    skills = build_skills(cfg)
    model = build(cfg.llm) if load_model else None
    planner = build(cfg.planner, model=model)
    if model is not None and hasattr(planner, "warm_up"):
        log.debug("few-shot header: %s", planner.warm_up())
    world = build_world(cfg)  # the local simulator, or the one behind an arm server
    try:
        driver = build_arm(cfg, world)  # always behind the safety guard
        camera = build(cfg.camera)
        detector = build(cfg.perception, source=world.oracle_detections)
    except BaseException:
        world.close()
        raise
    return SimSession(world, driver, camera, detector, planner, cfg, skills)


def min_free_bytes(cfg: DictConfig) -> int:
    """`min_free_mb`: the free space a run directory needs before the arm moves."""
    return int(float(cfg.get("min_free_mb", 32)) * 2**20)


def run_instruction(cfg: DictConfig, instruction: str, run_dir: Path) -> EpisodeResult:
    """One episode from the command line: build, reset the scene, run, print and record. The
    run directory is checked (writable, not full) before anything is built; a record that
    cannot be written ends the episode before the next motion (RunDirectoryError)."""
    scene_spec = build(cfg.scene)
    dry_run = safety_limits(cfg.robot, cfg.get("safety")).dry_run  # as the arm's guard has it
    recorder = RunRecorder(run_dir, dry_run=dry_run, min_free_bytes=min_free_bytes(cfg))
    from stackbot.bench.worker import needs_model  # (it imports this module)

    session = open_session(cfg, load_model=needs_model(cfg))  # a scripted planner needs none
    session.planner.on_record = recorder.llm_call
    top_k = int(cfg.get("print_top_k", 5))
    print(f"instruction: {instruction}")
    print(f"scene: blocks {list(scene_spec.blocks)}, bowls {list(scene_spec.bowls)}, "
          f"seed {scene_spec.seed}; run directory: {run_dir}")

    def on_step(record: StepRecord) -> None:
        print(format_step(record, top_k), flush=True)
        try:
            recorder(record)
        except RunDirectoryError as error:  # raised from here, it ends the agent's loop
            raise RunDirectoryError(f"{error}; the episode stopped before the next motion"
                                    ) from error

    try:
        session.reset(scene_spec)
        with session.driver:
            episode = session.agent(on_step).run(instruction)
        if episode.records:
            last = episode.records[-1]
            recorder.save_frame(last.frame_after or last.frame_before, "final")
        picture = recorder.save_episode_strip(episode)
        print(format_outcome(episode))
        if picture is not None:
            print(f"  picture: {picture}")
        recorder.finish(episode, {"config": OmegaConf.to_container(cfg, resolve=False)})
    finally:
        session.close()
    return episode
