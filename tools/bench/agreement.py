"""Does success detection agree with the simulator? Every executed step's check on the
*perceived* scene (the skill's `verify`, what the agent acts on) against the same effect on the
simulator's ground truth (the step's symbolic effect as the benchmark's goal predicates, `In`,
`On`, `At`, on the world's snapshot: `skills.goals.step_effects`),
over families and seeds with faults on, printed as a confusion table.

    python -m tools.bench.agreement                       # >= 500 executed steps, 3 faults
    python -m tools.bench.agreement --steps 200 --first-seed 100
    python -m tools.bench.agreement --out outputs/bench/agreement.jsonl "faults=[slip]"

Defaults: the scripted planner (it plans from the goal, so every family yields steps), OpenCV
perception, `faults=[slip,nudge,perception_dropout]` at p=0.2 each; overrides go to the config
as in `stackbot-bench`. The ground truth is read right after the agent's check, before anything
else moves. Prints figures; the target (>= 99% agreement) is not asserted.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from agent.config import compose_config
from agent.fault_config import fault_nodes
from agent.session import SimSession, open_session
from agent.types import StepRecord
from planner.scripted import ScriptedPlanner
from sim.tasks.registry import generate, suite_families
from sim.tasks.task import Task
from skills.goals import describe, holds, step_effects

DEFAULTS = ["planner=scripted", "perception=opencv", "faults=[slip,nudge,perception_dropout]",
            "faults.slip.p=0.2", "faults.nudge.p=0.2", "faults.perception_dropout.p=0.2",
            "instruction=unused"]
TARGET = 0.99


@dataclass(frozen=True)
class CheckedStep:
    """One executed step: what the agent saw of its effect, and what the simulator says."""

    task: str
    index: int
    step: str
    perceived: bool
    truth: bool
    evidence: str
    truth_predicate: str
    faults: tuple[str, ...]


def checked_steps(session: SimSession, task: Task) -> list[CheckedStep]:
    """Run the task's episode and return its executed, checked steps with the ground truth."""
    found: list[CheckedStep] = []

    def on_step(record: StepRecord) -> None:
        if record.result is None or not record.result.moved or record.verdict is None:
            return  # done(), not executed (it already held), or not checked
        effects = step_effects(record.step.option, [o.name for o in record.scene.blocks],
                               record.scene.locations, session.skills)
        if not effects:
            return
        snapshot = session.world.snapshot()
        found.append(CheckedStep(task.key, record.index, record.step.option.text,
                                 record.verdict.holds, all(holds(snapshot, e) for e in effects),
                                 record.verdict.evidence, ", ".join(map(describe, effects)),
                                 tuple(f.fault for f in record.faults)))

    if isinstance(session.planner, ScriptedPlanner):
        session.planner.set_goal(task.goal)
    session.reset(task.scene)
    agent = session.agent(on_step=on_step)
    with session.driver:
        agent.run(task.instruction)
    return found


def tasks_from(first_seed: int, families: Sequence[str]) -> Iterator[Task]:
    for seed in itertools.count(first_seed):
        for family in families:
            yield generate(family, seed)


def confusion(steps: Sequence[CheckedStep]) -> dict[tuple[bool, bool], int]:
    table = {(p, t): 0 for p in (True, False) for t in (True, False)}
    for step in steps:
        table[step.perceived, step.truth] += 1
    return table


def format_table(steps: Sequence[CheckedStep]) -> str:
    table = confusion(steps)
    agree = table[True, True] + table[False, False]
    lines = [
        "| perceived \\ simulator | effect holds | effect does not hold |",
        "|---|---:|---:|",
        f"| check holds | {table[True, True]} | {table[True, False]} |",
        f"| check failed | {table[False, True]} | {table[False, False]} |",
        "",
        f"agreement: {agree} of {len(steps)} executed steps = {agree / max(1, len(steps)):.1%} "
        f"(target {TARGET:.0%})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=500,
                        help="executed steps to collect at least (default 500)")
    parser.add_argument("--first-seed", type=int, default=0, help="first task seed (default 0)")
    parser.add_argument("--out", type=Path, help="a JSON line per checked step")
    args, overrides = parser.parse_known_args(argv)
    if args.steps < 1 or args.first_seed < 0:
        parser.error("--steps must be at least 1 and --first-seed at least 0")
    cfg = compose_config(DEFAULTS + overrides)
    session = open_session(cfg)
    steps: list[CheckedStep] = []
    episodes = 0
    try:
        with tqdm(total=args.steps, unit="step", dynamic_ncols=True) as bar:
            for task in tasks_from(args.first_seed, suite_families("core")):
                if len(steps) >= args.steps:
                    break
                new = checked_steps(session, task)
                steps += new
                episodes += 1
                bar.update(len(new))
    finally:
        session.close()
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("".join(json.dumps(asdict(s)) + "\n" for s in steps))
    faults = ", ".join(f"{name} p={node.get('p')}" for name, node in fault_nodes(cfg).items())
    print(f"{episodes} episodes (every family, seeds from {args.first_seed}), faults: "
          f"{faults or 'none'}")
    print(format_table(steps))
    for step in [s for s in steps if s.perceived != s.truth][:20]:
        print(f"  {step.task} step {step.index} {step.step}: perceived "
              f"{'holds' if step.perceived else 'failed'} ({step.evidence}); simulator: "
              f"{step.truth_predicate} {'holds' if step.truth else 'does not hold'}"
              f"{'; faults ' + ', '.join(step.faults) if step.faults else ''}")


if __name__ == "__main__":
    main()
