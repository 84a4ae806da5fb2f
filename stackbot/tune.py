"""`stackbot-tune`: build demonstrations from the task families, train a LoRA adapter of the
embedded model on them, write a loss plot and a manifest, export the adapter as GGUF and check
that llama.cpp and torch agree on it.

  stackbot-tune                                   # the shipped adapter's recipe (its manifest)
  stackbot-tune --per-family 20 --max-steps 3     # a tiny run (what the tests do)
  stackbot-tune --exclude exclusion_v1 stack_order_v1 --out outputs/tune/leave-out
  stackbot-tune --suites core --no-refusals --prompt-form transcript-v1   # the first recipe's kind
  stackbot-tune --every-kind                      # also the families kept for generalisation

Every default is the shipped adapter's, read from the manifest beside it
(`tools/tune/recipe.py`); without --per-family or --family-demos, its counts, and with its own
suites its families exactly (families registered since are left out, and said so; families it
lacks from a suite you add get its most common count).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import NoReturn

from stackbot.launch import fail, import_pybullet_quietly

PROGRAM = "stackbot-tune"
VALIDATION_FIRST_SEED = 2_000_000
# saycan.TUNED_PROMPTS' keys, written out so that --help needs no model code
PROMPT_FORMS = ("transcript-v1", "transcript-v2", "transcript-v3", "transcript-v4",
                "transcript-v5")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not the usage before it
        fail(message, PROGRAM)


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The arguments, each checked: anything that cannot train is one line and exit 2."""
    from sim.tasks.registration import SUITES
    from sim.tasks.registry import FAMILIES
    from sim.tasks.wordings import TRAINING_SPLITS
    from tools.tune.demos import training_families
    from tools.tune.recipe import read_recipe

    shipped = read_recipe()
    hyper = shipped.hyperparameters
    p = _Parser(prog=PROGRAM, description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=None, help="run directory (outputs/tune/<time>)")
    p.add_argument("--per-family", type=int, default=None,
                   help="demonstrations per family (default: the shipped recipe's counts)")
    p.add_argument("--family-demos", nargs="*", default=None, metavar="FAMILY=N",
                   help="demonstrations of these families instead of --per-family")
    p.add_argument("--validation-per-family", type=int, default=8)
    p.add_argument("--exclude", nargs="*", default=[], help="families to leave out")
    p.add_argument("--suites", nargs="+", default=list(shipped.suites), choices=SUITES,
                   help="the suites whose trainable families demonstrations come from")
    p.add_argument("--prompt-form", choices=PROMPT_FORMS, default=shipped.prompt_form,
                   help="the prompt the adapter learns: transcript-v1 (no spatial facts), "
                        "transcript-v2 (the spatial facts as lists, skills/space.py), "
                        "transcript-v3 (the facts as phrases, one relation a line), "
                        "transcript-v4 (every ordinal a line, keyed as commands say it; "
                        "only the bowls the command names) or transcript-v5 (of v4's lines "
                        "only those the command asks about)")
    p.add_argument("--wordings", choices=TRAINING_SPLITS, default=shipped.wordings,
                   help="the wordings commands are drawn from: train (each family's training "
                        "wordings) or taught (also the further wordings of the kinds whose "
                        "training wording is Code as Policies' template)")
    p.add_argument("--refusals", action=argparse.BooleanOptionalAction, default=shipped.refusals,
                   help="out-of-scope demonstrations end with a refusal (refusals=true)")
    p.add_argument("--every-kind", action=argparse.BooleanOptionalAction,
                   default=shipped.every_kind,
                   help="also the families kept for measuring generalisation (unseen colours, "
                        "Code as Policies' unseen instructions and attributes)")
    p.add_argument("--recovery-rate", type=float, default=shipped.recovery_rate)
    p.add_argument("--absent-twins", action=argparse.BooleanOptionalAction,
                   default=shipped.absent_twins,
                   help="each command naming an absent object also on a table that has it, "
                        "answered by the move")
    p.add_argument("--grounded-only", action=argparse.BooleanOptionalAction,
                   default=shipped.grounded_only,
                   help="no demonstration of a command naming an absent object (the planner's "
                        "grounding stops those before the model is asked)")
    p.add_argument("--skills", nargs="+", default=["pick_and_place"], metavar="SKILL",
                   help="the skills whose calls the demonstrations make (conf/skills/)")
    p.add_argument("--epochs", type=float, default=hyper["epochs"])
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps")
    p.add_argument("--rank", type=int, default=hyper["rank"])
    p.add_argument("--alpha", type=float, default=hyper["alpha"])
    p.add_argument("--learning-rate", type=float, default=hyper["learning_rate"])
    p.add_argument("--max-batch-tokens", type=int, default=hyper["max_batch_tokens"])
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (fast only with AVX512-BF16)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=hyper["seed"])
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar: a plain line now and then instead (for log files)")
    args = p.parse_args(argv)
    args.not_in_recipe = []
    if args.per_family is None and args.family_demos is None:
        args.family_demos = [f"{family}={n}" for family, n in shipped.counts.items()
                             if family in FAMILIES]
        if (tuple(args.suites), args.every_kind) == (shipped.suites, shipped.every_kind):
            later = [f for f in training_families((), args.suites, args.every_kind)
                     if f not in shipped.counts and f not in args.exclude]
            args.exclude += later  # the shipped data exactly: families registered since
            args.not_in_recipe = later
    if args.per_family is None:
        args.per_family = shipped.typical_count
    args.family_demos = args.family_demos or []
    unknown = [f for f in args.exclude if f not in FAMILIES]
    if unknown:
        p.error(f"unknown family {', '.join(unknown)} (have {', '.join(FAMILIES)})")
    if not training_families(args.exclude, args.suites, args.every_kind):
        p.error("--exclude leaves no family to make demonstrations of")
    if args.per_family < 1 or args.validation_per_family < 1:
        p.error("--per-family and --validation-per-family must be at least 1")
    if not 0 <= args.recovery_rate <= 1:  # NaN fails this too
        p.error(f"--recovery-rate must be between 0 and 1, got {args.recovery_rate}")
    if args.max_steps is not None and args.max_steps < 1:
        p.error(f"--max-steps must be at least 1, got {args.max_steps}")
    args.counts = {}
    for item in args.family_demos:
        family, _, n = item.partition("=")
        if family not in FAMILIES or not n.isdigit() or int(n) < 1:
            p.error(f"--family-demos takes FAMILY=N with a known family and N at least 1 "
                    f"(--exclude leaves one out), got {item!r}")
        args.counts[family] = int(n)
    return args


def main(argv: list[str] | None = None) -> int:
    import_pybullet_quietly()  # the task families import it; its banner is no error
    from agent.config import compose_config
    from agent.session import build_skills
    from planner.saycan import TUNED_PROMPTS
    from tools.tune.demos import (
        FEEDBACK_RATE,
        TRAIN_FIRST_SEED,
        generate_demonstrations,
        training_families,
    )
    from tools.tune.train import TrainConfig, TuneDependencyError, require_tune_extra

    args = parse(argv)
    if args.not_in_recipe:
        print(f"the shipped recipe has no {', '.join(args.not_in_recipe)}: left out "
              "(--family-demos FAMILY=N adds one)")
    try:
        config = TrainConfig(rank=args.rank, alpha=args.alpha, learning_rate=args.learning_rate,
                             epochs=args.epochs, max_batch_tokens=args.max_batch_tokens,
                             threads=args.threads, seed=args.seed, bf16=args.bf16)
        require_tune_extra()
    except (ValueError, TuneDependencyError) as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    from tools.tune.tuning import run_tuning

    out = args.out or Path("outputs/tune") / time.strftime("%Y-%m-%d_%H-%M-%S")
    out.mkdir(parents=True, exist_ok=True)
    skills = build_skills(compose_config([f"skills=[{','.join(args.skills)}]",
                                          f"refusals={str(args.refusals).lower()}"]))
    builder = TUNED_PROMPTS[args.prompt_form]
    families = training_families(args.exclude, args.suites, args.every_kind)
    train_demos = list(generate_demonstrations(skills, args.per_family, TRAIN_FIRST_SEED,
                                               args.exclude,
                                               args.recovery_rate, seed=args.seed,
                                               counts=args.counts, suites=args.suites,
                                               every_kind=args.every_kind, builder=builder,
                                               absent_twins=args.absent_twins,
                                               grounded_only=args.grounded_only,
                                               wordings=args.wordings))
    validation = list(generate_demonstrations(skills, args.validation_per_family,
                                              VALIDATION_FIRST_SEED, args.exclude,
                                              args.recovery_rate, seed=args.seed + 1,
                                              suites=args.suites, every_kind=args.every_kind,
                                              builder=builder, absent_twins=args.absent_twins,
                                              grounded_only=args.grounded_only,
                                              wordings=args.wordings))
    data = "".join(json.dumps(asdict(d)) + "\n" for d in train_demos)
    (out / "demonstrations.jsonl").write_text(data)
    manifest = {
        "data": {"sha256": hashlib.sha256(data.encode()).hexdigest(),
                 "demonstrations": len(train_demos), "validation": len(validation),
                 "families": families, "excluded": args.exclude, "suites": args.suites,
                 "every_kind": args.every_kind,
                 "wordings": args.wordings,
                 "seeds": [TRAIN_FIRST_SEED, TRAIN_FIRST_SEED + max(
                     [args.per_family, *args.counts.values()]) - 1],
                 "per_family": {f: args.counts.get(f, args.per_family) for f in families},
                 "validation_seeds": [VALIDATION_FIRST_SEED,
                                      VALIDATION_FIRST_SEED + args.validation_per_family - 1],
                 "recovery_rate": args.recovery_rate, "feedback_rate": FEEDBACK_RATE,
                 "contrasting_pairs": True, "absent_twins": args.absent_twins,
                 "grounded_only": args.grounded_only},
        "prompt": args.prompt_form, "refusals": args.refusals,
        "hyperparameters": asdict(config) | {"max_steps": args.max_steps},
    }
    print(f"{len(train_demos)} demonstrations ({len(validation)} for validation) from "
          f"{len(manifest['data']['families'])} families; run directory {out}")
    manifest = run_tuning(train_demos, validation, config, out, manifest, args.prompt_form,
                          max_steps=args.max_steps, progress=not args.no_progress)
    print(json.dumps(manifest["evaluation"], indent=1))
    print(f"adapter: {manifest['adapter']['path']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
