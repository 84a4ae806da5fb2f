"""What the report, the spans (`telemetry=file`) and the rerun recording (`record.rerun=`) add to
an episode's wall time: the same command on the same scene, recorded without them and with them,
in turns (without, with, with, without, ...), and the ratio of the medians.

    python -m tools.timing.telemetry_overhead                      # scripted planner
    python -m tools.timing.telemetry_overhead --repeats 10
    python -m tools.timing.telemetry_overhead --default-planner    # the embedded model
    python -m tools.timing.telemetry_overhead perception=oracle "scene.blocks=[red,green,blue]"

An episode's wall time is the whole command as `stackbot` runs it (`run_command`: the agent's
loop, the records written as it goes, the episode picture, the summary and, with them, the
report, spans and recording made at the end). Without them the run directory gets no report.
Prints figures; it asserts nothing (the target is an overhead of at most 5%). Run it on an
otherwise quiet machine, or the figures mean little.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import tempfile
import time
from pathlib import Path

from agent.config import compose_config
from agent.session import SimSession, build, open_session
from records.trace import RunRecorder
from skills.goals import In
from tools.command import open_recorder, run_command

INSTRUCTION = "put the red block in the blue bowl"
GOAL = (In("red block", "blue bowl"),)  # what the scripted planner plans for
SCRIPTED = ["planner=scripted"]
DEFAULTS = ["scene=three_objects", "instruction=unused"]
OBSERVED = ["telemetry=file", "record.rerun=episode.rrd"]
TARGET = 0.05


class RecorderWithoutReport(RunRecorder):
    """The run directory's records as usual, without report.html."""

    def write_report(self) -> Path | None:
        return None


def one_episode(session: SimSession, recorder: RunRecorder, scene: object) -> float:
    """Seconds of one recorded command on the scene, its console output swallowed."""
    session.reset(scene)
    if hasattr(session.planner, "set_goal"):
        session.planner.set_goal(GOAL)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        run_command(session, INSTRUCTION, recorder)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5,
                        help="episodes each way (default 5)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed episodes each way first (imports, caches; default 1)")
    parser.add_argument("--default-planner", action="store_true",
                        help="the configured planner (the embedded model) instead of the "
                             "scripted one")
    args, overrides = parser.parse_known_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be at least 1 and --warmup at least 0")
    base = DEFAULTS + ([] if args.default_planner else SCRIPTED) + overrides
    plain_cfg = compose_config(base)
    observed_cfg = compose_config(base + OBSERVED)
    session = open_session(plain_cfg, load_model=args.default_planner)
    scene = build(plain_cfg.scene)
    seconds: dict[bool, list[float]] = {False: [], True: []}
    try:
        with tempfile.TemporaryDirectory(prefix="telemetry-overhead-") as scratch:
            for index in range(-2 * args.warmup, 2 * args.repeats):  # warm-ups first, untimed
                observed = index % 4 in (1, 2)  # without, with, with, without, ...
                name = f"{index + 2 * args.warmup:02d}-{'with' if observed else 'without'}"
                recorder = open_recorder(observed_cfg, Path(scratch) / name) if observed else \
                    RecorderWithoutReport(Path(scratch) / name)
                spent = one_episode(session, recorder, scene)
                if index >= 0:
                    seconds[observed].append(spent)
    finally:
        session.close()
    without, with_them = (statistics.median(seconds[k]) for k in (False, True))
    ratio = (with_them - without) / without
    planner = plain_cfg.planner._target_.rsplit(".", 1)[-1]
    print(f"scene: blocks {list(scene.blocks)}, bowls {list(scene.bowls)}; planner {planner}, "
          f"perception {plain_cfg.perception._target_.rsplit('.', 1)[-1]}; "
          f"{args.repeats} episodes each way")
    for label, key in (("without", False), ("with report + telemetry(file) + rerun", True)):
        runs = ", ".join(f"{s:.2f}" for s in seconds[key])
        print(f"  {label}: median {statistics.median(seconds[key]):.3f} s ({runs})")
    verdict = "within" if ratio <= TARGET else "over"
    print(f"overhead: {ratio:+.1%} of an episode's wall time ({verdict} the {TARGET:.0%} target)")


if __name__ == "__main__":
    main()
