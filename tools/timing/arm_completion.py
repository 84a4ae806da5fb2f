"""When a real-arm adapter's move returns, against its SDK fake's own record of the motion: the
xArm with its state reported 150 ms late, the UR with its asynchronous move started 20 ms late.

    python -m tools.timing.arm_completion            # 100 moves of 1 cm at 0.1 m/s on each

Prints, per arm, how long after the motion's end each move returned (negative: before it) and
how many returned within [0, 60 ms]; it asserts nothing (timings on shared machines are noisy).
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable

from drivers import ArmDriver
from drivers.fakes.ur_rtde import FakeURBackend, FakeURRobot
from drivers.fakes.xarm_sdk import FakeXArmAPI
from drivers.ur import URDriver
from drivers.xarm import XArmDriver

DOWN = (math.pi, 0.0, 0.0)
TOOL = {"tcp_offset": (0.0, 0.0, 0.172, 0.0, 0.0, 0.0), "payload_kg": 0.82}


def lateness(arm: ArmDriver, motion_end: Callable[[], float], trials: int) -> list[float]:
    late = []
    for i in range(trials):
        arm.move_linear((0.4, 0.01 * (i % 2), 0.2, *DOWN), speed=0.1)
        returned = time.monotonic()
        late.append(returned - motion_end())
    return late


def report(name: str, late: list[float]) -> None:
    within = sum(0.0 <= s <= 0.06 for s in late)
    ms = sorted(1000 * s for s in late)
    print(f"{name}: {len(late)} moves returned {ms[0]:.1f} / {statistics.median(ms):.1f} / "
          f"{ms[int(0.95 * len(ms)) - 1]:.1f} / {ms[-1]:.1f} ms after the motion's end "
          f"(min / median / p95 / max); {within} of {len(late)} within [0, 60 ms]")


def main(argv: list[str]) -> None:
    trials = int(argv[0]) if argv else 100
    fakes: list[FakeXArmAPI] = []

    def xarm_sdk(ip: str, **kwargs: object) -> FakeXArmAPI:
        fakes.append(FakeXArmAPI(ip, report_lag=0.15, **kwargs))  # type: ignore[arg-type]
        return fakes[-1]

    with XArmDriver("fake", sdk_factory=xarm_sdk, **TOOL) as xarm:  # type: ignore[arg-type]
        report("xArm (state reported 150 ms late)",
               lateness(xarm, lambda: fakes[0].motions[-1].end, trials))
    robot = FakeURRobot(start_delay=0.02)
    with URDriver("fake", gripper_port=None, backend_factory=lambda ip: FakeURBackend(ip, robot),
                  **TOOL) as ur:  # type: ignore[arg-type]
        report("UR (async move started 20 ms late)",
               lateness(ur, lambda: robot.motions[-1].end, trials))


if __name__ == "__main__":
    main(sys.argv[1:])
