"""Best-first search against exhaustive scoring on real planning prompts:
`python -m tools.timing.search_exactness`.

Rolls every task family out on the symbolic table (`tools.tune.rollout`'s: no physics, no camera)
on the benchmark's seeds 0-9 with the train and the held-out wordings, once with the shipped
planner (the adapter and its prompt) and once with the base model and the few-shot prompt (less
sure of itself: more of the trie competes). At every step one SayCan planner per search chooses
on the same prompt and options (both built from the run's config, `planner.search` apart; the
affordances with its `done()` prior); the rollout goes on with the exhaustive choice. Prints per
family the steps the model scored (a step the planner ends without asking it, e.g. a command
naming an absent object, is compared but not counted), the disagreements (choices that differ),
scored options off the exhaustive score by more than 1e-3 nats, bounds below the exhaustive score,
and each search's logits rows (seconds are `tools.timing.search`'s: here the search that goes first
at a step also evaluates the prompt). Exit status 1 when any step disagrees.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent.config import compose_config
from agent.session import build, build_skills
from planner.saycan import PlanRecord, SayCanPlanner
from sim.tasks.registry import FAMILIES, generate, suite_families
from sim.tasks.wordings import SPLITS
from skills.options import AffordanceModel, enumerate_options
from skills.skill_set import SkillSet
from skills.types import Outcome
from tools.tune.demos import initial_scene

SEARCHES = ("best_first", "exhaustive")


@dataclass
class Tally:
    steps: int = 0
    disagreements: int = 0
    score_mismatches: int = 0  # scored options off the exhaustive score by more than 1e-3
    bound_violations: int = 0  # pruned options whose bound is below the exhaustive score
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEARCHES, 0))
    examples: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.steps += other.steps
        self.disagreements += other.disagreements
        self.score_mismatches += other.score_mismatches
        self.bound_violations += other.bound_violations
        for search in SEARCHES:
            self.rows[search] += other.rows[search]
        self.examples += other.examples


def compare(tally: Tally, fast: PlanRecord, full: PlanRecord, where: str) -> None:
    if fast.chosen != full.chosen:
        tally.disagreements += 1
        tally.examples.append(f"{where}: best_first {fast.chosen}, exhaustive {full.chosen}")
    if not full.llm_logprobs:
        return
    tally.steps += 1
    bounds = fast.bounds or (False,) * len(fast.llm_logprobs)
    for value, exact, pruned in zip(fast.llm_logprobs, full.llm_logprobs, bounds, strict=True):
        if pruned:
            tally.bound_violations += value < exact - 1e-3
        else:
            tally.score_mismatches += abs(value - exact) > 1e-3
    for record, search in ((fast, "best_first"), (full, "exhaustive")):
        tally.rows[search] += (record.search.logits_rows or 0) if record.search else 0


def roll_out(task_family: str, seed: int, wordings: str, planners: Sequence[SayCanPlanner],
             affordance: AffordanceModel, skills: SkillSet, max_steps: int) -> Tally:
    task = generate(task_family, seed, wordings)  # type: ignore[arg-type]
    fast, full = planners
    scene, history, tally = initial_scene(task), [], Tally()
    for index in range(max_steps + 1):
        options = affordance.afford(enumerate_options(scene, skills), scene, skills=skills)
        steps = [p.next_step(task.instruction, scene, options, history) for p in planners]
        compare(tally, fast.records[-1], full.records[-1],
                f"{task_family} seed {seed} {wordings} step {index + 1}")
        option = steps[1].option
        if option.is_done:
            break
        after = skills.imagine(option, scene)
        history.append(Outcome(option, True, scene, after))
        scene = after
    return tally


def run(overrides: list[str], label: str, seeds: range, families: Sequence[str]) -> Tally:
    cfg = compose_config(["instruction=unused", *overrides])
    affordance, max_steps = build(cfg.affordance), int(cfg.max_steps)
    skills = build_skills(cfg)
    total = Tally()
    with build(cfg.llm) as model:
        planners = [build(compose_config(["instruction=unused", *overrides,
                                          f"planner.search={search}"]).planner, model=model,
                          skills=skills)
                    for search in SEARCHES]
        for family in families:
            total.add(_family(family, seeds, planners, affordance, skills, max_steps, label))
    return total


def _family(family: str, seeds: range, planners: Sequence[SayCanPlanner],
            affordance: AffordanceModel, skills: SkillSet, max_steps: int, label: str) -> Tally:
    tally = Tally()
    for seed in seeds:
        for wordings in SPLITS:
            tally.add(roll_out(family, seed, wordings, planners, affordance, skills,
                               max_steps))
    print(f"{label:<8} {family:<22} {tally.steps:>5} {tally.disagreements:>5} "
          f"{tally.score_mismatches:>6} {tally.bound_violations:>6} "
          f"{tally.rows['best_first']:>7} {tally.rows['exhaustive']:>7}", flush=True)
    return tally


MODELS = {"tuned": [], "base": ["llm.adapter=null"]}  # the base model: the few-shot prompt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.timing.search_exactness",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=("tuned", "base"),
                        default=["tuned", "base"])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1")
    parser.add_argument("--families", nargs="+", choices=list(FAMILIES),
                        default=suite_families("core"))
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="config overrides for every run, e.g. "
                             "skills.pick_and_place.places.lines=false")
    args = parser.parse_args(argv)
    if args.overrides:
        print(f"overrides: {' '.join(args.overrides)}")
    print(f"{'model':<8} {'family':<22} {'steps':>5} {'disag':>5} {'scores':>6} {'bounds':>6} "
          f"{'bf rows':>7} {'ex rows':>7}")
    total, started = Tally(), time.perf_counter()
    for label in args.models:
        total.add(run([*MODELS[label], *args.overrides], label, range(args.seeds), args.families))
    print(f"all: {total.steps} steps, {total.disagreements} disagreements, "
          f"{total.score_mismatches} scored options off exhaustive, {total.bound_violations} "
          f"bounds below it; logits rows: best_first {total.rows['best_first']}, exhaustive "
          f"{total.rows['exhaustive']} ({time.perf_counter() - started:.0f} s in all)")
    for example in total.examples:
        print(f"  {example}")
    return 1 if total.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
