"""Best-first search vs exhaustive scoring, side by side: `python -m tools.timing.search`.

One SayCan planning step with the run's config (the shipped planner, its prompt, affordances
with the `done()` prior), once per search, at 7, 53 and 95 options (pick_and_place over 3-, 5-
and 8-object scenes, the first K-1 options plus done(), as `tools.timing.scoring`), on a crowded
table (10 blocks, 6 bowls: several hundred options) and on the largest table of the Code as
Policies families (4 blocks, 4 bowls, every option: with places on, several hundred), for "put
all the blocks in the blue bowl". The step timed is the second of the episode: the first step's
move done on the table (as the demonstrations' geometry does it), the first step's prompt in the
KV cache (put back before every timed step). Prints, per search, the median seconds of the step
over the repeats, the option tokens decoded (padding included), the logits rows, and whether the
two searches chose the same option; then each best-first step as a share of its exhaustive step
and of the exhaustive step at 53 options, and the largest CaP table's best-first step as a share
of the best-first step at 53. Timings, not assertions: the machine's load (shown) shows up here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from agent.config import compose_config
from agent.session import build, build_skills
from perception.types import Scene
from planner.saycan import SayCanPlanner
from skills.options import AffordanceModel, enumerate_options
from skills.skill_set import SkillSet
from skills.types import AffordedOption, Outcome, Step
from tools.timing.scenes import grid_scene, make_scene
from tools.timing.scoring import CASES

SEARCHES = ("exhaustive", "best_first")
COMMAND = "put all the blocks in the blue bowl"
CROWDED = grid_scene(("red", "green", "blue", "yellow", "orange", "purple", "pink", "cyan",
                      "brown", "gray"), ("blue", "red", "green", "yellow", "pink", "gray"))


# The largest table of the Code as Policies families: 4 blocks, 4 bowls, every option the
# configured skills offer (with places on: several hundred).
LARGEST_CAP = make_scene("red block", "green block", "blue block", "yellow block", "blue bowl",
                         "red bowl", "green bowl", "yellow bowl")


def cases() -> dict[str, tuple[Scene, int | None]]:
    """Label -> the scene and how many of its options to keep (None: all)."""
    out: dict[str, tuple[Scene, int | None]] = {
        str(k): (make_scene(*names), k) for k, names in CASES.items()}
    out["crowded"] = (CROWDED, None)
    out["cap"] = (LARGEST_CAP, None)
    return out


def options_for(scene: Scene, keep: int | None, affordance: AffordanceModel, skills: SkillSet
                ) -> list[AffordedOption]:
    options = enumerate_options(scene, skills)
    if keep is not None:
        options = [o for o in options if not o.is_done][:keep - 1] + \
            [o for o in options if o.is_done]
    return affordance.afford(options, scene, skills=skills)


def timed_step(planner: SayCanPlanner, scene: Scene, keep: int | None,
               affordance: AffordanceModel, skills: SkillSet) -> tuple[float, Step, int]:
    """The second step of the episode, timed after its first (which puts the cache back);
    returns the seconds, the step and how many options it chose among."""
    first = planner.next_step(COMMAND, scene, options_for(scene, keep, affordance, skills))
    if first.option.is_done:
        raise RuntimeError(f"the planner chose done() at once on {scene.describe()}")
    after = skills.imagine(first.option, scene)
    options = options_for(after, keep, affordance, skills)
    history = [Outcome(first.option, True, scene, after)]
    started = time.perf_counter()
    step = planner.next_step(COMMAND, after, options, history)
    return time.perf_counter() - started, step, len(options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default="7,53,95,crowded,cap", help="comma-separated")
    parser.add_argument("overrides", nargs="*", help="config overrides (llm.n_threads=2 ...)")
    args = parser.parse_args()
    cfg = compose_config(["instruction=unused", *args.overrides])
    affordance, skills = build(cfg.affordance), build_skills(cfg)
    model = build(cfg.llm)
    planners = {s: build(compose_config(["instruction=unused", *args.overrides,
                                         f"planner.search={s}"]).planner, model=model,
                         skills=skills)
                for s in SEARCHES}
    print(f"model {model.name}, {model.n_threads} threads; median of {args.repeats} later steps; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'options':>8} {'search':>10} {'seconds':>8} {'tokens':>7} {'rows':>5} {'scored':>6} "
          f"{'same':>5} {'x exh':>6} {'x exh@53':>8}")
    base_53 = best_first_53 = None
    for label, (scene, keep) in cases().items():
        if label not in args.cases.split(","):
            continue
        seconds: dict[str, list[float]] = {s: [] for s in SEARCHES}
        steps: dict[str, Step] = {}
        for _ in range(args.repeats):
            for search in SEARCHES:  # interleaved: both see the same load
                took, steps[search], n_options = timed_step(planners[search], scene, keep,
                                                            affordance, skills)
                seconds[search].append(took)
        median = {s: statistics.median(v) for s, v in seconds.items()}
        if label == "53":
            base_53, best_first_53 = median["exhaustive"], median["best_first"]
        same = steps["best_first"].option == steps["exhaustive"].option
        for search in SEARCHES:
            summary = steps[search].search
            assert summary is not None
            share = median[search] / median["exhaustive"]
            of_53 = f"{median[search] / base_53:>7.2f}x" if base_53 else f"{'':>8}"
            print(f"{n_options:>8} {search:>10} {median[search]:>8.2f} "
                  f"{summary.tokens_decoded:>7} {summary.logits_rows:>5} {summary.scored:>6} "
                  f"{'yes' if same else 'NO':>5} {share:>5.2f}x {of_53}", flush=True)
        if label == "cap" and best_first_53:
            print(f"the largest CaP table, best_first: {median['best_first'] / best_first_53:.2f}x "
                  "the best_first step at 53 options", flush=True)
    print(f"tokens: option tokens decoded (padding included, the prompt not counted); rows: "
          f"logits rows; scored: options with exact scores; load average now "
          f"{os.getloadavg()[0]:.2f}")
    model.close()


if __name__ == "__main__":
    main()
