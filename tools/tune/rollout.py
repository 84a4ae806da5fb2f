"""Plans rolled out on the symbolic table: the planner chooses, the demonstration geometry moves
the block, the goal model says whether the command was done. No physics and no camera, so a
family's plan success on many seeds takes a minute: the quick check of an adapter between
training runs (the benchmark stays the measure that counts).

  python -m tools.tune.rollout --adapter outputs/tune/run/adapter.gguf --families exclusion_v1
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from agent.config import compose_config
from agent.session import build_skills
from planner.saycan import SayCanPlanner
from sim.tasks.registry import FAMILIES, generate
from sim.tasks.task import Task
from sim.tasks.wordings import SPLITS, WordingSplit
from skills.goals import unmet
from skills.options import AffordanceModel, enumerate_options
from skills.skill_set import SkillSet
from skills.symbolic import SymbolicState
from skills.types import Outcome
from tools.tune.demos import initial_scene

DEVELOPMENT_FIRST_SEED = 3_000_000  # neither training (1e6), validation (2e6) nor benchmark seeds


@dataclass(frozen=True)
class Rollout:
    family: str
    seed: int
    instruction: str
    steps: tuple[str, ...]
    success: bool


def roll_out(task: Task, planner: SayCanPlanner, skills: SkillSet, max_steps: int) -> Rollout:
    """The planner's steps on the imagined table, each call's effect its skill's
    (`Skill.imagine` on the scene, `Skill.apply` on the symbolic state)."""
    scene = initial_scene(task)
    state = SymbolicState.initial(o.name for o in scene.blocks)
    affordances = AffordanceModel()
    history: list[Outcome] = []
    steps: list[str] = []
    for _ in range(max_steps):
        options = affordances.afford(enumerate_options(scene, skills), scene, skills=skills)
        step = planner.next_step(task.instruction, scene, options, history)
        steps.append(step.option.text)
        if step.option.is_done:
            break
        after = skills.imagine(step.option, scene)
        history.append(Outcome(step.option, True, scene, after))
        scene, state = after, skills.apply(state, [step.option])
    return Rollout(task.family, task.seed, task.instruction, tuple(steps),
                   not unmet(task.goal, state))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.tune.rollout",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--adapter", default="default", help="adapter GGUF, 'default' or 'none'")
    p.add_argument("--families", nargs="*", default=list(FAMILIES))
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--first-seed", type=int, default=DEVELOPMENT_FIRST_SEED)
    p.add_argument("--wordings", choices=SPLITS, default="held_out")
    p.add_argument("--show-failures", action="store_true")
    args = p.parse_args(argv)
    unknown = [f for f in args.families if f not in FAMILIES]
    if unknown:
        p.error(f"unknown family {', '.join(unknown)} (have {', '.join(FAMILIES)})")
    from planner.llama_backend import LlamaCppModel

    adapter = None if args.adapter == "none" else args.adapter
    wordings: WordingSplit = args.wordings
    total = wins = 0
    cfg = compose_config()  # the default config's skills and step limit
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
