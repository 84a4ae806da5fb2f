"""`stackbot` without `instruction=`: a prompt on the terminal, commands one after another on the
same table.

The session (model, simulator, arm) is built once; the scene is set at the start and again on
`reset` only, so each command sees what the ones before it did. Each command is one episode with
the one-shot console output and its own record, `<run dir>/<NN>-<command words>/`. Lines come
from stdin, so a pipe works as well as a terminal (`printf '...\\n' | stackbot`). When the planner
is unsure of its best guess (planner.min_confidence) the prompt asks whether to carry it out;
anything but yes (the default, an empty line, end of input) ends the command unsure.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from omegaconf import DictConfig, OmegaConf

from agent.session import SimSession, build, open_session
from records.observers.config import build_dataset_writer
from records.run_dir import RunDirectoryError, check_writable
from sim.scene_gen import SceneSpec
from skills.relations import describe_state
from skills.types import Step
from tools.command import (
    CommandInterrupted,
    describe_table,
    export_episode,
    min_free_bytes,
    open_recorder,
    run_command,
)
from tools.user_errors import user_error

if TYPE_CHECKING:
    from records.lerobot.dataset import LeRobotDatasetWriter

PROMPT = "stackbot> "
HELP = ("type an instruction (put the red block in the blue bowl), or: reset (set the scene "
        "again), scene (what the planner sees), help, quit (or Ctrl-D); Ctrl-C stops the arm")
QUIT = ("quit", "exit")
RANDOM_SCENE_TARGET = "sim.scene_gen.random_scene_spec"
MAX_DIRECTORY_WORDS_CHARS = 48


def run_interactive(cfg: DictConfig, run_dir: Path) -> None:
    """Read commands until `quit` or end of input; the simulator is closed on the way out. A
    run directory that cannot be written (RunDirectoryError) ends the session."""
    first_scene = scene_for_reset(cfg, 0)
    check_writable(run_dir, min_free_bytes(cfg))  # before the model is loaded
    dataset = build_dataset_writer(cfg)  # export.lerobot: checked before the model too
    session = open_session(cfg)
    try:
        print(f"interactive session; run directory: {run_dir}")
        InteractiveSession(session, cfg, run_dir, dataset).loop(first_scene)
    finally:
        session.close()
        if dataset is not None and dataset.episodes:
            print(dataset.summary(), flush=True)


def scene_for_reset(cfg: DictConfig, resets: int) -> SceneSpec:
    """The configured scene; a random one (scene=random) is drawn with the next seed on each
    reset, so `reset` gives a new table as a person asking for one expects."""
    node = cfg.scene
    if resets and node.get("_target_") == RANDOM_SCENE_TARGET:
        node = OmegaConf.merge(node, {"seed": int(node.seed) + resets})
    return build(node)


def command_directory(run_dir: Path, number: int, instruction: str) -> Path:
    """`01-put-the-red-block-in-the-blue-bowl`: numbered in order, named by the command."""
    words = "-".join(re.findall(r"[a-z0-9]+", instruction.lower()))
    words = words[:MAX_DIRECTORY_WORDS_CHARS].rstrip("-") or "command"
    return run_dir / f"{number:02d}-{words}"


def read_line(prompt: str = PROMPT) -> str | None:
    """One line after the prompt ("" after Ctrl-C there); None at end of input. From a pipe the
    line is echoed after the prompt, so the output reads as it would on a terminal."""
    try:
        if sys.stdin.isatty():
            import readline  # noqa: F401 - line editing and history for input()

            return input(prompt)
        print(prompt, end="", flush=True)
        line = sys.stdin.readline()
        print(line.rstrip("\n"), flush=True)
        return line or None
    except EOFError:
        print()
        return None
    except KeyboardInterrupt:
        print(flush=True)
        return ""


class InteractiveSession:
    """The prompt's state: the session, how many commands and resets so far."""

    def __init__(self, session: SimSession, cfg: DictConfig, run_dir: Path,
                 dataset: LeRobotDatasetWriter | None = None) -> None:
        self.session = session
        self.cfg = cfg
        self.run_dir = run_dir
        self.dataset = dataset  # export.lerobot: each command's episode is added to it
        self.commands = 0
        self.resets = 0

    def loop(self, first_scene: SceneSpec) -> None:
        self.set_scene(first_scene)
        print(HELP, flush=True)
        while True:
            try:
                line = read_line()
                if line is None:
                    return
                if not self.handle(" ".join(line.split())):
                    return
            except CommandInterrupted:
                pass  # the arm is stopped and the episode recorded; it said so
            except KeyboardInterrupt:
                print("interrupted", flush=True)

    def handle(self, command: str) -> bool:
        """Run one line; False when it ends the session."""
        if not command:
            return True
        word = command.lower()
        if word in QUIT:
            return False
        if word == "help":
            print(HELP)
        elif word == "reset":
            self.resets += 1
            self.set_scene(scene_for_reset(self.cfg, self.resets))
        elif word == "scene":
            _, scene = self.session.perceive()
            print(f"{scene.describe()}\n  {describe_state(scene)}", flush=True)
        else:
            self.run(command)
        return True

    def set_scene(self, spec: SceneSpec) -> None:
        self.session.reset(spec)
        print(describe_table(self.session, spec), flush=True)

    def run(self, instruction: str) -> None:
        """One command as an episode of its own."""
        self.commands += 1
        directory = command_directory(self.run_dir, self.commands, instruction)
        try:
            recorder = open_recorder(self.cfg, directory)
            print(f"record: {directory}", flush=True)
            try:
                run_command(self.session, instruction, recorder, confirm_guess)
            finally:
                export_episode(self.dataset, directory)
        except RunDirectoryError:
            raise
        except Exception as error:  # noqa: BLE001 - bad input is one line, the rest re-raises
            message = user_error(error)
            if message is None:
                raise
            print(f"error: {message}", flush=True)


CONFIRM = "carry it out? [y/N] "


def confirm_guess(step: Step) -> bool:
    """Asks the person whether to carry out a step the planner is unsure of: yes only on y or
    yes (an empty line, end of input or Ctrl-C: no)."""
    p = "?" if step.p is None else f"{step.p:.2f}"
    print(f"not sure what to do next: best guess {step.option.text} at p = {p}", flush=True)
    answer = read_line(CONFIRM)
    return answer is not None and answer.strip().lower() in ("y", "yes")
