"""An episode through the Gymnasium environment against the benchmark's, same session and seeds:
`python -m stackbot_gym.overhead`.

One environment (`gymnasium.make(stackbot_gym.ENV_ID, ..., planner="scripted")`: the default
config, OpenCV perception, no model) and its session. For every core family (`--families`; the
out-of-scope and typo families apart) and seed (`--seeds N`: 0 .. N-1) the same episode runs twice:
as the benchmark runs it (`tools.bench.task_episode.run_task` on the environment's session) and
through the environment, the scripted planner as the policy (`stackbot_gym.policies.rollout`: what
`gymnasium.make` hands out, reset through the last step). Which of the two goes first alternates
from episode to episode, so machine noise falls on both alike. Each is timed whole
(`time.perf_counter`). Compares the benchmark's execution success with the environment's return
(1 or 0), and the options chosen: the environment ends as soon as the goal holds, so a solved
episode's choices are the benchmark's steps but its last `done()` (all of them when the goal held
at the start, or when the environment did not solve it). Prints per family the episodes, the
successes (bench / env), the episodes whose choices are identical, the median seconds (bench /
env) and their ratio (env / bench); then the totals, with the ratio of summed seconds and of
medians. `--warmup` episodes (untimed, both ways) come first, so that the session's first-use
costs fall on neither side. Figures only mean something on an otherwise quiet machine. Exit
status 1 when any success or choice differs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium

import stackbot_gym
from sim.tasks.registry import FAMILIES, generate, suite_families
from stackbot_gym.policies import Policy, planner_policy, rollout
from tools.bench.task_episode import run_task

LEFT_OUT = ("out_of_scope_v1", "typos_v1")
CORE = [f for f in suite_families("core") if f not in LEFT_OUT]


@dataclass
class Tally:
    episodes: int = 0
    bench_successes: int = 0
    env_successes: int = 0
    identical: int = 0  # episodes whose choices are the benchmark's
    disagreements: int = 0  # episodes whose success or choices differ
    bench_seconds: list[float] = field(default_factory=list)
    env_seconds: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.episodes += other.episodes
        self.bench_successes += other.bench_successes
        self.env_successes += other.env_successes
        self.identical += other.identical
        self.disagreements += other.disagreements
        self.bench_seconds += other.bench_seconds
        self.env_seconds += other.env_seconds
        self.examples += other.examples

    def medians(self) -> tuple[float, float]:
        return statistics.median(self.bench_seconds), statistics.median(self.env_seconds)


def expected_choices(bench: dict[str, Any], total: float, held_at_start: bool) -> list[str]:
    """The benchmark's steps the environment's choices should be: without the last `done()` when
    the environment ended on the goal holding (it does not wait for `done()`)."""
    steps = list(bench["steps"])
    return steps[:-1] if total == 1.0 and not held_at_start else steps


def episode(made: gymnasium.Env, policy: Policy, family: str, seed: int, bench_first: bool,
            tally: Tally) -> None:
    """Both runs of one episode, in the order given, added to `tally`."""
    session = made.unwrapped.session  # type: ignore[attr-defined]
    results: dict[str, Any] = {}
    for which in (("bench", "env") if bench_first else ("env", "bench")):
        started = time.perf_counter()
        if which == "bench":
            results["bench"] = run_task(session, generate(family, seed))
        else:
            results["env"] = rollout(made, policy, seed, family)
        results[f"{which} seconds"] = time.perf_counter() - started
    bench, (total, chosen, info) = results["bench"], results["env"]
    bench_ok = bench["execution_success"] is True
    same_success = total == (1.0 if bench_ok else 0.0)
    same_choices = chosen == expected_choices(bench, total, info["held_at_start"])
    tally.episodes += 1
    tally.bench_successes += bench_ok
    tally.env_successes += total == 1.0
    tally.identical += same_choices
    tally.disagreements += not (same_success and same_choices)
    tally.bench_seconds.append(results["bench seconds"])
    tally.env_seconds.append(results["env seconds"])
    if not same_success:
        tally.examples.append(f"{family} seed {seed}: bench success {bench_ok}, env return "
                              f"{total} ({bench['failure'] or info['message']})")
    if not same_choices:
        tally.examples.append(f"{family} seed {seed}: bench steps {bench['steps']}, env "
                              f"choices {chosen}")
    print(f"{family} seed {seed} ({'bench' if bench_first else 'env'} first): bench "
          f"{'ok' if bench_ok else 'failed'} {results['bench seconds']:.2f} s, env return "
          f"{total:g} {results['env seconds']:.2f} s"
          f"{'' if same_choices else ', choices differ'}", file=sys.stderr, flush=True)


def family_line(family: str, tally: Tally) -> str:
    bench, env = tally.medians()
    return (f"{family:<22} {tally.episodes:>4} {tally.bench_successes:>5} / "
            f"{tally.env_successes:<5} {tally.identical:>4} {bench:>8.2f} / {env:<8.2f} "
            f"{env / bench:>6.3f}")


def total_line(tally: Tally) -> str:
    bench, env = tally.medians()
    summed_bench, summed_env = sum(tally.bench_seconds), sum(tally.env_seconds)
    plural = "" if tally.episodes == 1 else "s"
    return (f"all: {tally.episodes} episode{plural}, successes bench {tally.bench_successes} / "
            f"env {tally.env_successes}, {tally.disagreements} disagreements; seconds bench "
            f"{summed_bench:.1f} / env {summed_env:.1f} (env/bench {summed_env / summed_bench:.3f}"
            f"), medians {bench:.2f} / {env:.2f} (env/bench {env / bench:.3f})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stackbot_gym.overhead",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", choices=list(FAMILIES), default=CORE)
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed episodes, both ways, before the timed ones")
    args = parser.parse_args(argv)
    made = gymnasium.make(stackbot_gym.ENV_ID, task=args.families[0], planner="scripted")
    total, index = Tally(), 0
    try:
        policy = planner_policy(made.unwrapped.planner)  # type: ignore[attr-defined]
        for seed in range(args.warmup):  # the session's first-use costs fall here
            episode(made, policy, args.families[0], seed, seed % 2 == 0, Tally())
        print(f"{'family':<22} {'eps':>4} {'success b / e':^13} {'same':>4} "
              f"{'median s b / e':^19} {'e / b':>6}")
        for family in args.families:
            tally = Tally()
            for seed in range(args.seeds):
                episode(made, policy, family, seed, index % 2 == 0, tally)
                index += 1
            print(family_line(family, tally), flush=True)
            total.add(tally)
    finally:
        made.close()
    print(total_line(total))
    for example in total.examples:
        print(f"  {example}")
    return 1 if total.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
