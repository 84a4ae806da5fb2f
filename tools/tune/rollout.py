"""Plans rolled out on the imagined table: the agent loop runs as on an arm, the planner chooses,
each call's own effect on the scene (`Skill.imagine`) is what is perceived next, the goal model
says whether the command was done. No physics and no camera, so a
family's plan success on many seeds takes a minute: the quick check of an adapter between
training runs (the benchmark stays the measure that counts).

  python -m tools.tune.rollout --adapter outputs/tune/run/adapter.gguf --families exclusion_v1
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.config import compose_config
from agent.loop import Agent
from agent.session import build_skills
from agent.types import EpisodeResult, Planner
from drivers.example_driver import GantryDriver
from perception.types import Frame, Scene
from planner.saycan import SayCanPlanner
from sim.tasks.registry import FAMILIES, generate, suite_families
from sim.tasks.task import Task
from sim.tasks.wordings import SPLITS, WordingSplit
from skills.compiler_config import CompilerConfig
from skills.goals import unmet_along
from skills.options import AffordanceModel
from skills.skill_set import SkillSet
from skills.symbolic import SymbolicState
from skills.types import AffordedOption, Option, Outcome, Step
from tools.tune.demos import initial_scene

DEVELOPMENT_FIRST_SEED = 3_000_000  # neither training (1e6), validation (2e6) nor benchmark seeds


@dataclass(frozen=True)
class Rollout:
    family: str
    seed: int
    instruction: str
    steps: tuple[str, ...]
    success: bool


class ImaginedTable:
    """The table of a roll-out, for the agent loop: perceiving it shows the scene the chosen
    calls made (`Skill.imagine`); the planner's choices are watched on their way to the agent,
    and every call succeeds (the arm is an in-memory gantry)."""

    def __init__(self, scene: Scene, skills: SkillSet, planner: Planner) -> None:
        self.scene, self._skills, self._planner = scene, skills, planner
        self._chosen: Option | None = None
        self._frame = Frame(np.zeros((1, 1, 3), np.uint8), None, np.eye(3), np.eye(4))

    def perceive(self) -> tuple[Frame, Scene]:
        if self._chosen is not None:
            self.scene, self._chosen = self._skills.imagine(self._chosen, self.scene), None
        return self._frame, self.scene

    def next_step(self, command: str, scene: Scene, options: Sequence[AffordedOption],
                  history: Sequence[Outcome]) -> Step:
        step = self._planner.next_step(command, scene, options, history)
        self._chosen = None if step.option.is_done else step.option
        return step


def roll_out(task: Task, planner: Planner, skills: SkillSet, max_steps: int,
             affordance: AffordanceModel | None = None) -> Rollout:
    """The planner's steps through the agent loop on the imagined table; success is the goal on
    the symbolic state the executed calls' effects (`Skill.apply`) leave."""
    episode = imagined_episode(task, planner, skills, max_steps, affordance)
    executed = [r.step.option for r in episode.records if r.succeeded]
    states = skills.trajectory(
        SymbolicState.initial(o.name for o in initial_scene(task).blocks), executed)
    return Rollout(task.family, task.seed, task.instruction,
                   tuple(r.step.option.text for r in episode.records),
                   not unmet_along(task.goal, task.waypoints, states))


def imagined_episode(task: Task, planner: Planner, skills: SkillSet, max_steps: int,
                     affordance: AffordanceModel | None = None) -> EpisodeResult:
    """The agent loop's episode on the imagined table (`affordance`: the default model's, with
    done() at 1, unless given)."""
    table = ImaginedTable(initial_scene(task), skills, planner)
    with GantryDriver() as arm:
        agent = Agent(table.perceive, table, arm, affordance or AffordanceModel(),
                      CompilerConfig(), skills=skills, max_steps=max_steps)
        return agent.run(task.instruction)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.tune.rollout",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--adapter", default="default", help="adapter GGUF, 'default' or 'none'")
    p.add_argument("--families", nargs="*", default=suite_families("core"))
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--first-seed", type=int, default=DEVELOPMENT_FIRST_SEED)
    p.add_argument("--wordings", choices=SPLITS, default="held_out")
    p.add_argument("--show-failures", action="store_true")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                   help="config overrides (the skills, affordances and step limit), e.g. "
                        "refusals=false")
    args = p.parse_args(argv)
    unknown = [f for f in args.families if f not in FAMILIES]
    if unknown:
        p.error(f"unknown family {', '.join(unknown)} (have {', '.join(FAMILIES)})")
    from planner.llama_backend import LlamaCppModel

    adapter = None if args.adapter == "none" else args.adapter
    wordings: WordingSplit = args.wordings
    total = wins = 0
    cfg = compose_config(args.overrides)  # the skills and step limit
    skills, max_steps = build_skills(cfg), int(cfg.max_steps)
    with LlamaCppModel(adapter=adapter) as model:
        planner = SayCanPlanner(model, print_top_k=0, skills=skills)
        for family in args.families:
            results = [roll_out(generate(family, args.first_seed + k, wordings), planner,
                                skills, max_steps) for k in range(args.seeds)]
            won = sum(r.success for r in results)
            total, wins = total + len(results), wins + won
            print(f"{family:22s} {won:3d}/{len(results)}", flush=True)
            for r in results if args.show_failures else ():
                if not r.success:
                    print(f"    {r.seed}: {r.instruction} -> {'; '.join(r.steps)}")
    print(f"{'all':22s} {wins:3d}/{total} = {wins / max(total, 1):.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
