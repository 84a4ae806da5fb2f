"""Timing scripts: they print seconds and rates and assert nothing (the success benchmark, which
asserts what the robot achieved, is `stackbot-bench` in `stackbot/bench/`).

    python -m stackbot.timing.scoring      option scoring, naive vs optimised (embedded model)
    python -m stackbot.timing.step         seconds per SayCan planning step (embedded model)
    python -m stackbot.timing.episode      seconds per planning, executed and perceived step
    python -m stackbot.timing.remote       the same steps in-process and through the arm server
    python -m stackbot.timing.throughput   benchmark episodes per minute with 1 and 2 workers
    python -m stackbot.timing.task_file    seconds to read and check a large task file
    python -m stackbot.timing.telemetry_overhead   what report, spans and rerun add to an episode
"""
