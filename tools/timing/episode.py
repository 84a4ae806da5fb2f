"""Seconds per planning step and per executed step, and option tokens scored, on a small scene.

    python -m tools.timing.episode                      # 3-object scene, embedded model
    python -m tools.timing.episode scene=default perception=oracle

Prints figures; it asserts nothing (timings on shared machines are noisy).
"""

from __future__ import annotations

import statistics
import sys

from agent.config import compose_config
from agent.session import build, open_session

INSTRUCTIONS = (
    "put the red block in the blue bowl",
    "put the green block on the red block",
    "put the red block in the top right corner",
)


def main(overrides: list[str]) -> None:
    cfg = compose_config(["scene=three_objects", "instruction=unused", *overrides])
    session = open_session(cfg)
    spec = build(cfg.scene)
    plan_seconds: list[float] = []
    later_seconds: list[float] = []  # planning steps after an episode's first
    exec_seconds: list[float] = []
    perceive_seconds: list[float] = []
    tokens: list[int] = []
    options: list[int] = []
    try:
        for instruction in INSTRUCTIONS:
            session.reset(spec)
            with session.driver:
                episode = session.agent().run(instruction)
            for record in episode.records:
                plan_seconds.append(record.seconds_plan)
                if record.index > 0:
                    later_seconds.append(record.seconds_plan)
                perceive_seconds.append(record.seconds_perceive)
                tokens.append(sum(s.n_tokens for s in record.step.scored))
                options.append(len(record.step.scored))
                if record.result is not None:
                    exec_seconds.append(record.result.seconds)
            steps = " -> ".join(r.step.option.text for r in episode.records)
            print(f"{instruction!r}: {steps}")
    finally:
        session.close()
    print(f"scene: blocks {list(spec.blocks)}, bowls {list(spec.bowls)}; "
          f"llm {cfg.llm._target_.rsplit('.', 1)[-1]}, perception "
          f"{cfg.perception._target_.rsplit('.', 1)[-1]}")
    print(f"planning steps: {len(plan_seconds)}, options per step: {statistics.mean(options):.0f}, "
          f"option tokens scored per step: {statistics.mean(tokens):.0f}")
    print(f"seconds per planning step: mean {statistics.mean(plan_seconds):.2f}, "
          f"first {plan_seconds[0]:.2f} (of the process), max {max(plan_seconds):.2f}, "
          f"median of later steps {statistics.median(later_seconds or plan_seconds):.2f}")
    if exec_seconds:
        print(f"seconds per executed step: mean {statistics.mean(exec_seconds):.2f}, "
              f"max {max(exec_seconds):.2f}")
    print(f"seconds per perception (render + detect): {statistics.mean(perceive_seconds):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
