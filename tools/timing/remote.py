"""`python -m tools.timing.remote`: the same pick_and_place steps on the Panda in-process and
through `stackbot-arm-server` on 127.0.0.1 (scripted step, oracle perception); prints seconds."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from agent.config import build, compose_config
from agent.session import SimSession, open_session
from sim.scene_gen import SceneSpec
from skills.compiler import compile_step
from skills.primitives import execute
from skills.types import Step

MOVES = [("red block", "blue bowl"), ("green block", "yellow block"),
         ("yellow block", "top left corner")]


def timed_episode(session: SimSession) -> dict[str, float]:
    session.reset(SceneSpec(blocks=("red", "green", "yellow"), bowls=("blue", "gray"), seed=0))
    seconds = {"perceive": 0.0, "execute": 0.0}
    with session.driver:
        for obj, target in MOVES:
            t0 = time.perf_counter()
            _, scene = session.perceive()
            seconds["perceive"] += time.perf_counter() - t0
            option = session.skills.call_for(scene, obj, target)
            assert option is not None, f"no configured skill puts the {obj} on the {target}"
            step = Step(option)
            t0 = time.perf_counter()
            primitives = compile_step(step, scene, build(session.cfg.compiler), session.skills)
            result = execute(step, primitives, session.driver)
            seconds["execute"] += time.perf_counter() - t0
            assert result.success, result.message
    return seconds


def session_for(*overrides: str) -> SimSession:
    cfg = compose_config(["instruction=unused", "planner=scripted", *overrides])
    return open_session(cfg)


def main() -> None:
    direct = session_for()
    print("direct:", {k: round(v, 3) for k, v in timed_episode(direct).items()})
    direct.close()
    os.environ["STACKBOT_ARM_TOKEN"] = secrets.token_hex(16)
    server = shutil.which("stackbot-arm-server") or str(
        Path(sys.executable).with_name("stackbot-arm-server"))
    proc = subprocess.Popen([server, "server.port=0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        port = None
        for line in proc.stdout or ():  # Hydra's log lines come first
            port = re.search(r":(\d+)", line) if line.startswith("stackbot-arm-server:") else None
            if port:
                break
        if port is None:
            raise RuntimeError("the arm server did not start")
        remote = session_for("robot=remote", f"robot.server.port={port.group(1)}")
        print("remote:", {k: round(v, 3) for k, v in timed_episode(remote).items()})
        remote.close()
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
