"""The arm server and its client on 127.0.0.1: authentication, one controller, heartbeat,
e-stop, malformed input. The arm is the example gantry driver (in-process server thread)."""

from __future__ import annotations

import json
import math
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import ArmConnectionError, ArmFault, LimitError
from drivers.example_driver import GantryDriver
from drivers.guard import SafetyGuard, SafetyLimits
from remote.client import RemoteArmDriver, ServerAddress
from remote.server import ArmServer, ServerSettings

TOKEN = "s3cret-for-tests"
DOWN = (math.pi, 0.0, 0.0)


@pytest.fixture()
def gantry() -> GantryDriver:
    return GantryDriver(seconds_per_metre=0.0)


@pytest.fixture()
def served(gantry: GantryDriver, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArmServer]:
    monkeypatch.setenv("STACKBOT_ARM_TOKEN", TOKEN)
    server = ArmServer(SafetyGuard(gantry, SafetyLimits(max_linear_speed=0.5)), TOKEN,
                       ServerSettings(port=0, heartbeat_timeout=0.3))
    with gantry, server.serve_in_thread():
        yield server


def address(server: ArmServer) -> ServerAddress:
    return ServerAddress(port=int(server.port or 0))


def claim_when_released(arm: RemoteArmDriver, within: float = 2.0) -> None:
    """Connect (claim control) as soon as a departed controller's connection has been closed."""
    deadline = time.monotonic() + within
    while True:
        try:
            arm.connect()
            return
        except ArmConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class RawClient:
    """A client that speaks the wire format by hand (for malformed and silent clients)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.stream = self.sock.makefile("rb")

    def send(self, data: bytes) -> dict:
        self.sock.sendall(data)
        return json.loads(self.stream.readline())

    def request(self, op: str, request_id: int = 1, **args: object) -> dict:
        return self.send(json.dumps({"id": request_id, "op": op, "args": args}).encode() + b"\n")

    def close(self) -> None:
        self.sock.close()


def test_moves_and_state_over_the_wire(served: ArmServer, gantry: GantryDriver) -> None:
    with RemoteArmDriver(address(served)) as arm:
        assert arm.info.name == "example_gantry" and arm.info.dof == 4
        arm.move_linear((0.5, 0.1, 0.2, *DOWN), speed=0.2)
        assert arm.get_state().tool_pose[:3] == pytest.approx((0.5, 0.1, 0.2))
        arm.move_linear((0.5, 0.1, 0.03, *DOWN))
        assert arm.gripper_close() is True
        assert arm.is_reachable((0.5, 0.0, 0.1, *DOWN))
        assert not arm.is_reachable((0.95, 0.0, 0.1, *DOWN))  # outside the server's guard box
    assert "move_linear (0.5, 0.1, 0.2, 3.1416, 0.0, 0.0)" in gantry.commands


def test_errors_cross_the_wire_as_the_same_exceptions(served: ArmServer) -> None:
    with RemoteArmDriver(address(served)) as arm:
        with pytest.raises(LimitError, match="workspace box"):
            arm.move_linear((0.95, 0.0, 0.2, *DOWN))
        with pytest.raises(LimitError, match="exceeds the cap"):
            arm.move_linear((0.5, 0.0, 0.2, *DOWN), speed=0.9)


def test_wrong_token_is_rejected_and_the_connection_closed(
        served: ArmServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKBOT_ARM_TOKEN", "not-the-token")
    with pytest.raises(ArmConnectionError, match="AuthError"):
        RemoteArmDriver(address(served)).get_state()
    raw = RawClient(int(served.port or 0))
    assert raw.request("auth", token="nope")["error"]["type"] == "AuthError"
    assert raw.stream.readline() == b""  # closed by the server
    raw.close()


def test_unauthenticated_requests_get_an_error_reply(served: ArmServer,
                                                     gantry: GantryDriver) -> None:
    raw = RawClient(int(served.port or 0))
    for op in ("move_linear", "claim", "stop", "get_state"):
        reply = raw.request(op, pose=[0.5, 0, 0.2, math.pi, 0, 0])
        assert reply["ok"] is False and reply["error"]["type"] == "AuthError"
    assert raw.request("auth", token=TOKEN)["ok"]
    raw.close()
    assert not any(c.startswith("move") for c in gantry.commands)


def test_one_controlling_client_at_a_time(served: ArmServer) -> None:
    first, second = RemoteArmDriver(address(served)), RemoteArmDriver(address(served))
    with first:
        with pytest.raises(ArmConnectionError, match="busy"):
            second.connect()
        with pytest.raises(ArmConnectionError, match="needs control"):
            second.move_linear((0.5, 0.0, 0.2, *DOWN))
        second.stop()  # anyone may stop the arm
    with second:  # released by the first
        second.move_linear((0.5, 0.0, 0.2, *DOWN))
    second.close()


def test_motion_refused_after_a_remote_emergency_stop_until_cleared(served: ArmServer) -> None:
    with RemoteArmDriver(address(served)) as arm:
        arm.emergency_stop()
        with pytest.raises(ArmFault):
            arm.move_linear((0.5, 0.0, 0.2, *DOWN))
        assert arm.get_state().fault == "emergency stop"
        arm.clear_fault()
        arm.move_linear((0.5, 0.0, 0.2, *DOWN))


def test_a_silent_controller_gets_the_arm_stopped_within_the_heartbeat(
        served: ArmServer, gantry: GantryDriver) -> None:
    raw = RawClient(int(served.port or 0))
    raw.request("auth", token=TOKEN)
    assert raw.request("claim", 2)["ok"]
    silent_since = time.monotonic()
    gantry.commands.clear()
    while "stop" not in gantry.commands and time.monotonic() - silent_since < 3:
        time.sleep(0.005)
    latency = time.monotonic() - silent_since
    assert "stop" in gantry.commands and served.stops_by_watchdog == 1
    assert 0.3 <= latency < 0.3 + 0.2, latency
    assert raw.stream.readline() == b""  # and its connection is closed
    with RemoteArmDriver(address(served)) as arm:  # control is free again
        arm.move_linear((0.5, 0.0, 0.2, *DOWN))


def test_the_heartbeat_keeps_a_quiet_but_living_client_in_control(served: ArmServer) -> None:
    with RemoteArmDriver(address(served), heartbeat_interval=0.05) as arm:
        time.sleep(1.0)  # > 3 heartbeat timeouts without a command
        arm.move_linear((0.5, 0.0, 0.2, *DOWN))
    assert served.stops_by_watchdog == 0


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
OPS = st.sampled_from(["auth", "ping", "claim", "move_linear", "move_joints", "get_state",
                       "gripper_close", "set_speed_scale", "render", "reset", "check", "x"])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.one_of(
    st.binary(max_size=200).filter(lambda b: b"\n" not in b and b.strip()),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"id": JSON, "op": OPS, "args": JSON}).map(
        lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"id": st.integers(), "op": OPS,
                           "args": st.dictionaries(st.sampled_from(
                               ["pose", "joints", "speed", "scale", "token", "scene"]), JSON)}
                          ).map(lambda v: json.dumps(v).encode()),
))
def test_fuzzed_messages_get_error_replies_and_the_server_lives(
        served: ArmServer, message: bytes) -> None:
    raw = RawClient(int(served.port or 0))
    try:
        assert raw.request("auth", token=TOKEN)["ok"]
        reply = raw.send(message + b"\n")
        assert set(reply) >= {"id", "ok"}
        if not reply["ok"]:
            assert reply["error"]["type"] in {"BadRequest", "AuthError", "Busy", "LimitError",
                                              "ArmFault", "UnreachableError", "ArmConnectionError"}
    finally:
        raw.close()
    arm = RemoteArmDriver(address(served))
    claim_when_released(arm)  # alive, and control is released once the server saw the close
    try:
        arm.clear_fault()
        assert arm.get_state().fault is None
    finally:
        arm.close()


def test_an_oversized_line_gets_an_error_and_the_connection_goes_on(served: ArmServer) -> None:
    raw = RawClient(int(served.port or 0))
    raw.request("auth", token=TOKEN)
    reply = raw.send(b"{" + b"x" * (2 << 20) + b"}\n")
    assert reply["error"]["type"] == "BadRequest"
    assert raw.request("ping", 5)["result"] == "pong"
    raw.close()


@pytest.fixture()
def self_signed(tmp_path: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return str(cert), str(key)


def test_tls_connections_carry_every_request(
        gantry: GantryDriver, self_signed: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The client reads replies on one thread while writing on another; over TLS that raced
    OpenSSL's state and lost a request about once in five connections."""
    monkeypatch.setenv("STACKBOT_ARM_TOKEN", TOKEN)
    cert, key = self_signed
    server = ArmServer(gantry, TOKEN, ServerSettings(port=0, tls_cert=cert, tls_key=key))
    with gantry, server.serve_in_thread() as port:
        for _ in range(20):
            with RemoteArmDriver(ServerAddress(port=port, tls_ca=cert, connect_timeout=2.0),
                                 heartbeat_interval=0.05) as arm:
                arm.move_linear((0.5, 0.0, 0.2, *DOWN))
                assert arm.get_state().tool_pose[:3] == pytest.approx((0.5, 0.0, 0.2))
