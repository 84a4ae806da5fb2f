"""Stop means stop: the realtime simulated Panda behind the real `stackbot-arm-server` process on
127.0.0.1. A stop, the controller's disconnect or its silence cancels the running motion and
every motion queued behind it; a stop is acknowledged at once however hard another client
floods the server, and the flood neither grows the server nor drops a controller that pings."""

from __future__ import annotations

import contextlib
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from drivers import MotionInterrupted
from remote.client import RemoteArmDriver, ServerAddress
from tests.arm_servers import TOKEN, ServedArm, WireClient, served_arm

pytestmark = pytest.mark.sim

HEARTBEAT = 0.5
STILL_WITHIN = 0.1  # s after the stop by which the joints no longer change
STILL = 2e-3  # rad: "no longer change" (the arm settles on position control)
PING_ID = 99
Joints = tuple[float, ...]


@pytest.fixture(scope="module", autouse=True)
def token_in_environment() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STACKBOT_ARM_TOKEN", TOKEN)
        yield


@pytest.fixture(scope="module")
def realtime() -> Iterator[ServedArm]:
    with served_arm("sim.realtime=true", f"server.heartbeat_timeout={HEARTBEAT}") as served:
        yield served


@pytest.fixture()
def observer(realtime: ServedArm) -> Iterator[RemoteArmDriver]:
    arm = RemoteArmDriver(ServerAddress(port=realtime.port))  # reads state, never claims
    arm.get_state()  # connected
    yield arm
    arm.close()


def keep_alive(client: WireClient) -> Callable[[], None]:
    """Ping for `client` (a controller) until the returned function is called."""
    done = threading.Event()

    def ping() -> None:
        while not done.wait(0.1):
            client.send("ping", PING_ID)

    thread = threading.Thread(target=ping)
    thread.start()

    def stop_pinging() -> None:
        done.set()
        thread.join()

    return stop_pinging


def queue_three_moves(port: int, observer: RemoteArmDriver, silent: bool = False
                      ) -> tuple[WireClient, list[Joints], Callable[[], None]]:
    """A controller that resets the arm home and sends three joint moves without waiting for
    replies, then pings (unless `silent`); returned once the first move is under way, with the
    two queued targets and the function that ends the pings."""
    controller = WireClient(port).authenticate()
    assert controller.request("claim", 1)["ok"]
    assert controller.request("reset", 2, scene={"blocks": [], "bowls": []})["ok"]
    home = observer.get_state().joints
    targets = [(home[0] + 0.7, *home[1:]), (home[0] - 0.5, *home[1:]), (home[0] - 0.3, *home[1:])]
    for request_id, (target, speed) in enumerate(zip(targets, (0.5, 1.0, 1.0), strict=True),
                                                     start=10):
        controller.send("move_joints", request_id, joints=list(target), speed=speed)
    stop_pinging = (lambda: None) if silent else keep_alive(controller)
    deadline = time.monotonic() + 5
    while not observer.get_state().moving:
        assert time.monotonic() < deadline, "the arm never started moving"
    time.sleep(0.2 if silent else 0.8)  # into the first move (2.1 s), a silent one not expired
    return controller, targets[1:], stop_pinging


def watch_joints(observer: RemoteArmDriver, seconds: float) -> list[tuple[float, Joints]]:
    samples, start = [], time.monotonic()
    while (now := time.monotonic()) - start < seconds:
        samples.append((now, observer.get_state().joints))
        time.sleep(0.01)
    return samples


def assert_stopped_for_good(samples: list[tuple[float, Joints]], stopped_at: float,
                            queued: list[Joints]) -> None:
    later = [joints for t, joints in samples if t >= stopped_at + STILL_WITHIN]
    assert later, "no samples after the stop"
    drift = max(max(abs(a - b) for a, b in zip(joints, later[0], strict=True))
                for joints in later)
    assert drift < STILL, f"the joints still changed by {drift:.3f} rad after the stop"
    for target in queued:
        nearest = min(max(abs(a - b) for a, b in zip(joints, target, strict=True))
                      for _, joints in samples)
        assert nearest > 0.1, f"the arm reached a queued target {target}"


def test_queued_moves_do_not_run_after_the_controller_disconnects(
        realtime: ServedArm, observer: RemoteArmDriver) -> None:
    controller, queued, stop_pinging = queue_three_moves(realtime.port, observer)
    stop_pinging()
    controller.close()
    dropped = time.monotonic()
    assert_stopped_for_good(watch_joints(observer, 2.5), dropped, queued)


def test_queued_moves_do_not_run_after_the_heartbeat_expires(
        realtime: ServedArm, observer: RemoteArmDriver) -> None:
    controller, queued, _ = queue_three_moves(realtime.port, observer, silent=True)
    samples: list[tuple[float, Joints]] = []
    watcher = threading.Thread(target=lambda: samples.extend(watch_joints(observer, 3.5)))
    watcher.start()
    while (reply := controller.reply()) is not None:  # cancelled moves get no reply
        assert reply["ok"] is False
    expired = time.monotonic()  # the server closed the silent controller's connection
    watcher.join()
    controller.close()
    assert_stopped_for_good(samples, expired, queued)


def test_a_stop_cancels_the_queued_moves_and_the_next_command_releases_it(
        realtime: ServedArm, observer: RemoteArmDriver) -> None:
    controller, queued, stop_pinging = queue_three_moves(realtime.port, observer)
    observer.stop()  # from another client
    stopped = time.monotonic()
    samples = watch_joints(observer, 2.0)
    replies: list[dict] = []
    while len(replies) < 3:
        reply = controller.reply()
        assert reply is not None, "the controller lost its connection"
        if reply["id"] != PING_ID:
            replies.append(reply)
    assert [r["error"]["type"] for r in replies] == ["MotionInterrupted"] * 3
    assert "cancelled" in str(replies[1]) and "cancelled" in str(replies[2])
    assert_stopped_for_good(samples, stopped, queued)
    target = queued[1]  # released: a command sent after the stop's reply runs
    assert controller.request("move_joints", 20, joints=list(target), speed=1.0)["ok"]
    assert observer.get_state().joints == pytest.approx(target, abs=5e-3)
    stop_pinging()
    controller.close()


def flood(port: int, requests: int, reads_replies: bool) -> Callable[[], dict[str, int]]:
    """Another client sends `requests` get_state as fast as the server takes them (reading its
    replies on a second thread, or never); returns the function that makes it leave, with
    replies still owed, and gives the counts of the replies it read by outcome."""
    flooder = WireClient(port, timeout=60).authenticate()
    counts: dict[str, int] = {}
    leaving = threading.Event()
    line = b'{"id": 3, "op": "get_state", "args": {}}\n'

    def send() -> None:
        with contextlib.suppress(OSError):  # the socket shut down under it
            for _ in range(requests // 1000):
                if leaving.is_set():
                    break
                flooder.sock.sendall(line * 1000)

    def read() -> None:
        with contextlib.suppress(OSError, ValueError):
            while not leaving.is_set() and (reply := flooder.reply()) is not None:
                kind = "ok" if reply["ok"] else reply["error"]["type"]
                counts[kind] = counts.get(kind, 0) + 1

    threads = [threading.Thread(target=send)]
    if reads_replies:
        threads.append(threading.Thread(target=read))
    for thread in threads:
        thread.start()

    def leave() -> dict[str, int]:
        leaving.set()
        flooder.sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(10)
        flooder.close()
        return counts

    return leave


@pytest.mark.parametrize("reads_replies", [True, False], ids=["reading", "not-reading"])
def test_stop_is_acknowledged_at_once_while_another_client_floods(reads_replies: bool) -> None:
    with served_arm("sim.realtime=true", f"server.heartbeat_timeout={HEARTBEAT}") as served:
        controller = RemoteArmDriver(ServerAddress(port=served.port), heartbeat_interval=0.1)
        controller.connect()
        stopper = WireClient(served.port).authenticate()
        stopper.request("get_state")
        rss_before = served.rss_mb()
        leave = flood(served.port, 100_000, reads_replies)
        time.sleep(0.5)  # the flood is under way
        latencies = []
        for request_id, op in enumerate(["stop"] * 9 + ["emergency_stop"], start=1):
            start = time.perf_counter()
            reply = stopper.request(op, request_id)
            latencies.append(time.perf_counter() - start)
            assert reply["ok"] and reply["id"] == request_id
            time.sleep(0.1)
        rss_during = served.rss_mb()
        counts = leave()
        time.sleep(1.0)  # replies the flooder left behind are dropped, not written
        print(f"stop under flood: median {statistics.median(latencies) * 1000:.1f} ms, "
              f"max {max(latencies) * 1000:.1f} ms; RSS {rss_before:.0f} -> {rss_during:.0f} MB;"
              f" flooder replies {counts}")
        assert statistics.median(latencies) < 0.05, latencies
        assert max(latencies) < 0.25, latencies
        assert rss_during - rss_before < 30
        log = served.log_text()
        assert "socket.send() raised exception" not in log
        assert "silent for over" not in log  # the pinging controller kept control
        controller.clear_fault()
        controller.move_joints(controller.get_state().joints, speed=1.0)
        controller.close()
        stopper.close()


def test_requests_past_the_in_flight_bound_get_a_clear_error(realtime: ServedArm) -> None:
    client = WireClient(realtime.port).authenticate()
    client.sock.sendall(b"".join(b'{"id": %d, "op": "get_state"}\n' % i for i in range(200)))
    replies = [client.reply() for _ in range(200)]
    assert all(r is not None for r in replies)
    refused = [r for r in replies if r and not r["ok"]]
    assert refused and {r["error"]["type"] for r in refused} == {"TooManyRequests"}
    assert "await their replies" in refused[0]["error"]["message"]
    assert client.request("get_state", 500)["ok"]  # served again once replies were read
    client.close()


def test_a_motion_interrupted_by_stop_raises_through_the_client(
        realtime: ServedArm, observer: RemoteArmDriver) -> None:
    arm = RemoteArmDriver(ServerAddress(port=realtime.port), heartbeat_interval=0.1)
    arm.connect()
    home = arm.get_state().joints
    stopper = threading.Timer(0.5, observer.stop)
    stopper.start()
    with pytest.raises(MotionInterrupted):
        arm.move_joints((home[0] + 0.5, *home[1:]), speed=0.25)
    arm.move_joints(home, speed=1.0)  # the next command runs
    arm.close()
