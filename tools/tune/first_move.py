"""How sure an adapter is of a command's first move against stopping at once: for fresh commands
of a family (development seeds, neither training nor benchmark ones), the probability of the
right first option and of `done()`, each scored alone. A `done()` that takes probability from
feasible commands of a shape the training data answered `done()` shows up here before a
benchmark run.

  python -m tools.tune.first_move outputs/tune/run/adapter.gguf default --family pick_place_v1
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.config import compose_config
from agent.session import build_skills
from planner.llama_backend import LlamaCppModel
from planner.saycan import TUNED_PROMPTS
from sim.tasks.registry import FAMILIES, generate
from tools.tune.demos import DemoStep, demonstrate
from tools.tune.rollout import DEVELOPMENT_FIRST_SEED

DONE = "done()\n"


@dataclass(frozen=True)
class FirstMove:
    move: float  # p of the right first option
    done: float  # p of done()


def first_steps(family: str, seeds: int, prompt_form: str) -> list[DemoStep]:
    """The first step of the family's commands on `seeds` fresh seeds (its training wordings, no
    courtesy, no recovery) whose right first option is not done()."""
    skills = build_skills(compose_config(["skills=[pick_and_place]", "refusals=true"]))
    rng, builder = np.random.default_rng(0), TUNED_PROMPTS[prompt_form]
    steps = [demonstrate(generate(family, DEVELOPMENT_FIRST_SEED + k), skills, rng,
                         builder=builder).steps[0] for k in range(seeds)]
    return [step for step in steps if step.target != DONE]


def score_first_moves(model: LlamaCppModel, steps: Sequence[DemoStep]) -> list[FirstMove]:
    result = []
    for step in steps:
        move, done = model.score(step.prompt, [step.target, DONE])
        result.append(FirstMove(math.exp(move.logprob), math.exp(done.logprob)))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.tune.first_move")
    p.add_argument("adapters", nargs="+", help="adapter files, or default (the shipped one)")
    p.add_argument("--family", default="pick_place_v1", choices=FAMILIES)
    p.add_argument("--seeds", type=int, default=20)
    args = p.parse_args(argv)
    for adapter in args.adapters:
        with LlamaCppModel(adapter=adapter, prompt_cache_dir=None) as model:
            moves = score_first_moves(model, first_steps(args.family, args.seeds,
                                                         model.prompt_form or "transcript-v1"))
        wins = sum(m.move > m.done for m in moves)
        print(f"{adapter}: {args.family}, {len(moves)} fresh first moves: the move beats done() "
              f"{wins}/{len(moves)}, mean p(move) {sum(m.move for m in moves) / len(moves):.3f}, "
              f"mean p(done) {sum(m.done for m in moves) / len(moves):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
