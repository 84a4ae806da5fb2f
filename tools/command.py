"""One command, one recorded episode, on the table as it stands: each step printed and recorded as
it happens, then the final frame, the episode picture, the outcome and the summary. One-shot mode
(`instruction=...`) and interactive mode both run their commands here.

Ctrl-C (KeyboardInterrupt) during the episode stops the arm, prints INTERRUPTED, records the steps
finished so far as an interrupted episode and raises CommandInterrupted; a second Ctrl-C while
that happens is ignored, so the arm is always stopped and the record written whole.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from agent.arms import safety_limits
from agent.cell import RealTable
from agent.session import SimSession, build, open_session
from agent.types import EpisodeResult, StepRecord
from perception.types import Frame
from records.console import format_outcome, format_step
from records.observers.config import build_dataset_writer, build_observers
from records.run_dir import RunDirectoryError
from records.trace import RunRecorder
from skills.types import Step

if TYPE_CHECKING:
    from records.lerobot.dataset import LeRobotDatasetWriter
    from sim.scene_gen import SceneSpec

INTERRUPTED = "stopped: interrupted; the arm is stopped"
INTERRUPTED_OUTCOME = "interrupted by Ctrl-C (the arm stopped)"


class CommandInterrupted(KeyboardInterrupt):
    """Ctrl-C ended a command's episode; the arm was stopped and the episode recorded."""


REAL_TABLE_SCENE = "scene: the real table, as the camera sees it"


def describe_scene_spec(spec: SceneSpec) -> str:
    return f"scene: blocks {list(spec.blocks)}, bowls {list(spec.bowls)}, seed {spec.seed}"


def describe_table(session: SimSession, spec: SceneSpec) -> str:
    """The scene line: the scene set up in the simulator, or the real table, which is as the
    person left it (a generated scene has nothing to do with it)."""
    if isinstance(session.world, RealTable):
        return REAL_TABLE_SCENE
    return describe_scene_spec(spec)


def run_command(session: SimSession, instruction: str, recorder: RunRecorder,
                confirm_guess: Callable[[Step], bool] | None = None) -> EpisodeResult:
    """Run, print and record one episode. A record that cannot be written ends the episode
    before the next motion (RunDirectoryError); Ctrl-C ends it with CommandInterrupted. An
    episode that ends refused or unsure (a guess nobody confirmed: `confirm_guess`) ends its
    output with the one line saying why."""
    session.planner.on_record = recorder.llm_call
    stop_watching = recorder.watch(session.sensors())
    try:
        return _run_recorded(session, instruction, recorder, confirm_guess)
    finally:
        stop_watching()


def _run_recorded(session: SimSession, instruction: str, recorder: RunRecorder,
                  confirm_guess: Callable[[Step], bool] | None) -> EpisodeResult:
    top_k = int(session.cfg.get("print_top_k", 5))
    summary_extra = {"config": OmegaConf.to_container(session.cfg, resolve=False)}
    records: list[StepRecord] = []

    def on_step(record: StepRecord) -> None:
        records.append(record)
        print(format_step(record, top_k), flush=True)
        try:
            recorder(record)
        except RunDirectoryError as error:  # raised from here, it ends the agent's loop
            raise RunDirectoryError(f"{error}; the episode stopped before the next motion"
                                    ) from error

    started = time.perf_counter()
    episode: EpisodeResult | None = None
    try:
        with session.driver:
            episode = session.agent(on_step, confirm_guess).run(instruction)
    except KeyboardInterrupt:  # also one during the driver's own stop on the way out
        with sigint_ignored():
            session.driver.stop()
    if episode is not None:
        last = episode.records[-1] if episode.records else None
        last_frame = (last.frame_after or last.frame_before) if last else None
        record_episode(recorder, episode, last_frame, {**summary_extra, "interrupted": False})
        if episode.status in ("refused", "unsure"):
            print(episode.message, flush=True)
        return episode
    with sigint_ignored():
        print(INTERRUPTED, flush=True)
        episode = interrupted_episode(instruction, records, time.perf_counter() - started)
        frame_where_it_stopped, _ = session.perceive()
        record_episode(recorder, episode, frame_where_it_stopped,
                       {**summary_extra, "interrupted": True})
    raise CommandInterrupted


def record_episode(recorder: RunRecorder, episode: EpisodeResult, final_frame: Frame | None,
                   summary_extra: dict[str, Any]) -> None:
    if final_frame is not None:
        recorder.save_frame(final_frame, "final")
    picture = recorder.save_episode_strip(episode)
    print(format_outcome(episode))
    if picture is not None:
        print(f"  picture: {picture}")
    recorder.finish(episode, summary_extra)
    if recorder.report_path is not None:
        print(f"  report: {recorder.report_path}")


def interrupted_episode(instruction: str, records: Sequence[StepRecord],
                        total_seconds: float) -> EpisodeResult:
    """The steps finished before Ctrl-C (the one it cut short is not among them)."""
    seconds = {phase: sum(getattr(r, f"seconds_{phase}") for r in records)
               for phase in ("perceive", "plan", "execute")}
    seconds["total"] = total_seconds
    return EpisodeResult(instruction, tuple(records), False, INTERRUPTED_OUTCOME,
                         seconds=seconds)


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ctrl-C does nothing inside (signal handlers can only be set from the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def min_free_bytes(cfg: DictConfig) -> int:
    """`min_free_mb`: the free space a run directory needs before the arm moves."""
    return int(float(cfg.get("min_free_mb", 32)) * 2**20)


def open_recorder(cfg: DictConfig, run_dir: Path) -> RunRecorder:
    """The recorder of one episode, its directory checked (writable, not full) at once, with
    the traces and recordings the config asks for (`telemetry`, `record.rerun`)."""
    dry_run = safety_limits(cfg.robot, cfg.get("safety")).dry_run  # as the arm's guard has it
    return RunRecorder(run_dir, dry_run=dry_run, min_free_bytes=min_free_bytes(cfg),
                       observers=build_observers(cfg, run_dir))


def run_instruction(cfg: DictConfig, instruction: str, run_dir: Path) -> EpisodeResult:
    """One episode from the command line: build, reset the scene, run, print and record. The
    run directory is checked (writable, not full) before anything is built; a record that
    cannot be written ends the episode before the next motion (RunDirectoryError); Ctrl-C
    stops the arm and records the episode as interrupted (CommandInterrupted)."""
    scene_spec = build(cfg.scene)
    recorder = open_recorder(cfg, run_dir)
    dataset = build_dataset_writer(cfg)
    session = open_session(cfg)
    print(f"instruction: {instruction}")
    print(f"{describe_table(session, scene_spec)}; run directory: {run_dir}")
    try:
        session.reset(scene_spec)
        return run_command(session, instruction, recorder)
    finally:
        session.close()
        export_episode(dataset, run_dir, summary=True)


def export_episode(dataset: LeRobotDatasetWriter | None, record_dir: Path,
                   summary: bool = False) -> None:
    """Adds the episode staged in `record_dir` to the run's LeRobot dataset (when there is one
    and the episode was sampled); `summary`: then print what the dataset holds."""
    if dataset is None:
        return
    dataset.add_from(record_dir)
    if summary and dataset.episodes:
        print(dataset.summary(), flush=True)
