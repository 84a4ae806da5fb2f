"""The simulated Panda behind the real `stackbot-arm-server` process on 127.0.0.1: a client that
dies or goes silent mid-motion gets the arm stopped; an episode through robot=remote matches the
direct run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest
from hydra import compose, initialize_config_module

from agent.session import SimSession, open_session
from remote.client import RemoteArmDriver, ServerAddress
from sim.scene_gen import SceneSpec
from tests.arm_servers import TOKEN, arm_server

pytestmark = pytest.mark.sim

HEARTBEAT = 0.5
SLOW_MOVE = textwrap.dedent("""
    import sys
    from remote.client import RemoteArmDriver, ServerAddress
    arm = RemoteArmDriver(ServerAddress(port=int(sys.argv[1])), heartbeat_interval=0.1)
    arm.connect()
    home = arm.info.home_joints
    print("moving", flush=True)
    arm.move_joints((home[0] + 1.0, *home[1:]), speed=0.2)  # about 7 s of wall-clock time
    print("arrived", flush=True)
""")


@pytest.fixture(scope="module")
def realtime_server(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[int]:
    with arm_server("sim.realtime=true", f"server.heartbeat_timeout={HEARTBEAT}") as port:
        yield port


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STACKBOT_ARM_TOKEN", TOKEN)
        yield patch


def seconds_until_the_arm_stops(port: int, how: signal.Signals) -> float:
    """Start a client mid-motion, send it `how`, return the seconds until the arm stood still."""
    observer = RemoteArmDriver(ServerAddress(port=port))  # reads state, never claims control
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    client = subprocess.Popen([sys.executable, "-c", SLOW_MOVE, str(port)], env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert client.stdout is not None and client.stdout.readline().strip() == "moving"
        deadline = time.monotonic() + 10
        while not observer.get_state().moving:
            assert time.monotonic() < deadline, "the arm never started moving"
        time.sleep(0.5)  # well into the motion
        start = observer.get_state().joints
        client.send_signal(how)
        signalled = time.monotonic()
        while observer.get_state().moving:
            assert time.monotonic() - signalled < 5, "the arm did not stop"
            time.sleep(0.005)
        stopped = time.monotonic() - signalled
        end = observer.get_state().joints
        assert abs(end[0] - start[0]) < 0.5  # nowhere near the 1 rad the client asked for
        return stopped
    finally:
        client.kill()
        client.wait(10)
        observer.close()


def test_killed_client_mid_motion_the_server_stops_the_arm(realtime_server: int) -> None:
    latency = seconds_until_the_arm_stops(realtime_server, signal.SIGKILL)
    print(f"SIGKILL -> arm stopped in {latency * 1000:.0f} ms")
    assert latency < HEARTBEAT  # the dropped connection is noticed at once


def test_silent_client_mid_motion_the_heartbeat_stops_the_arm(realtime_server: int) -> None:
    latency = seconds_until_the_arm_stops(realtime_server, signal.SIGSTOP)
    print(f"SIGSTOP -> arm stopped in {latency * 1000:.0f} ms (heartbeat {HEARTBEAT} s)")
    assert latency < HEARTBEAT + 0.3


@pytest.fixture(scope="module")
def remote_session(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[SimSession]:
    with arm_server() as port:
        with initialize_config_module("conf", version_base="1.3"):
            cfg = compose("config", overrides=["instruction=unused", "robot=remote",
                                               f"robot.server.port={port}"])
        session = open_session(cfg)
        yield session
        session.close()


@pytest.mark.model
def test_episode_through_the_remote_arm_matches_the_direct_run(
        remote_session: SimSession) -> None:
    spec = SceneSpec(blocks=("red", "green", "yellow"), bowls=("blue", "gray"), seed=0)
    remote_session.reset(spec)
    with remote_session.driver:
        episode = remote_session.agent().run("put the red block in the blue bowl")
    assert episode.finished and all(r.success for r in episode.executed)
    assert remote_session.world.is_in("red block", "blue bowl")
    # the same plan as tests/test_e2e.py on the direct (in-process) arm
    assert [r.step.option.text for r in episode.records] == [
        "robot.pick_and_place(red block, blue bowl)", "done()"]
