"""Timing scripts: they print seconds and rates and assert nothing (the success benchmark, which
asserts what the robot achieved, is `stackbot-bench` in `tools/bench/`).

    python -m tools.timing.scoring      option scoring, naive vs optimised (embedded model)
    python -m tools.timing.step         seconds per SayCan planning step (embedded model)
    python -m tools.timing.search       a planning step, best-first search vs exhaustive
    python -m tools.timing.search_exactness   both searches on every family's planning steps
    python -m tools.timing.episode      seconds per planning, executed and perceived step
    python -m tools.timing.remote       the same steps in-process and through the arm server
    python -m tools.timing.throughput   benchmark episodes per minute with 1 and 2 workers
    python -m tools.timing.task_file    seconds to read and check a large task file
    python -m tools.timing.telemetry_overhead   what report, spans and rerun add to an episode
"""
