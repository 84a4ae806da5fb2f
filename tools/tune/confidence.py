"""Choosing `planner.min_confidence` on training data: the shipped planner (no threshold) rolled
out on the imagined table (`tools.tune.rollout`, the configured affordances) on the families'
training wordings and training seeds (from 1,001,000: the training range, past the seeds the
demonstrations were made from), each step's p_LLM of the chosen option judged right or wrong
against the goal (`tools.bench.calibration`). Prints the reliability table and, per candidate
threshold, how many right moves it would stop (the cost) and how many wrong ones (the gain);
done() and refusals move nothing and are never stopped.

  python -m tools.tune.confidence --families pick_place_v1 stack_order_v1 --seeds 2
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from agent.config import build, compose_config
from agent.session import build_skills
from records.calibration import reliability, reliability_lines
from sim.tasks.registry import FAMILIES, generate
from sim.tasks.wordings import SPLITS, WordingSplit
from tools.bench.calibration import judged_steps
from tools.tune.rollout import imagined_episode

TRAINING_FIRST_SEED = 1_001_000
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7)


def threshold_lines(pairs: Sequence[tuple[float, bool]],
                    thresholds: Sequence[float] = THRESHOLDS) -> list[str]:
    """Per threshold: the right and wrong steps whose p is below it (the steps it stops)."""
    right = sum(r for _, r in pairs)
    wrong = len(pairs) - right
    lines = ["| min_confidence | right steps stopped | wrong steps stopped |", "|---:|---:|---:|"]
    for t in thresholds:
        stopped_right = sum(1 for p, r in pairs if r and p < t)
        stopped_wrong = sum(1 for p, r in pairs if not r and p < t)
        lines.append(f"| {t:g} | {stopped_right}/{right} | {stopped_wrong}/{wrong} |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.tune.confidence",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--families", nargs="*", default=list(FAMILIES))
    p.add_argument("--seeds", type=int, default=2, help="episodes per family")
    p.add_argument("--first-seed", type=int, default=TRAINING_FIRST_SEED)
    p.add_argument("--wordings", choices=SPLITS, default="train")
    args = p.parse_args(argv)
    unknown = [f for f in args.families if f not in FAMILIES]
    if unknown:
        p.error(f"unknown family {', '.join(unknown)} (have {', '.join(FAMILIES)})")
    wordings: WordingSplit = args.wordings
    cfg = compose_config(["planner.min_confidence=0"])  # the shipped planner, never unsure
    skills, max_steps = build_skills(cfg), int(cfg.max_steps)
    affordance = build(cfg.affordance)
    model = build(cfg.llm)
    planner = build(cfg.planner, model=model, skills=skills)
    planner.print_top_k = 0
    pairs: list[tuple[float, bool]] = []
    moves: list[tuple[float, bool]] = []
    for family in args.families:
        for k in range(args.seeds):
            task = generate(family, args.first_seed + k, wordings)
            episode = imagined_episode(task, planner, skills, max_steps, affordance)
            judged = judged_steps(episode, task, skills)
            chosen = [r.step.option for r in episode.records if r.step.p is not None]
            pairs += judged
            moves += [pr for pr, o in zip(judged, chosen, strict=True)
                      if not (o.is_done or o.is_refusal)]
            print(f"{family:22s} {task.seed}: " + " ".join(
                f"{'done ' if o.is_done else ''}{p:.2f}{'' if r else '!'}"
                for (p, r), o in zip(judged, chosen, strict=True)), flush=True)
    print("\n".join(reliability_lines(reliability(pairs))))
    print("moves only (done() and refusals are never unsure):")
    print("\n".join(threshold_lines(moves)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
