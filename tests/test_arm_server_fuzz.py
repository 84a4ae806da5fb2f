"""Fuzzing the arm server's protocol: the real `stackbot-arm-server` (simulated Panda) on
127.0.0.1 gets random and mutated messages, one at a time and in pipelined bursts, from clients
that authenticate and clients that do not, while a controller holds the arm. Every message gets
a reply or the connection is closed; the server stays up; afterwards the controller still
completes an episode of scripted pick-and-places."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator

import pytest

from remote.client import RemoteArmDriver, RemoteWorld, ServerAddress
from sim.scene_gen import SceneSpec
from skills.compiler import CompilerConfig
from skills.library.pick_and_place import pick_and_place
from skills.primitives import run_primitive
from tests.arm_servers import TOKEN, ServedArm, WireClient, served_arm

pytestmark = pytest.mark.sim

MESSAGES = 4000  # bounded in count ...
SECONDS = 90.0  # ... and in time
SEED = int(os.environ.get("STACKBOT_FUZZ_SEED", "20240610"))  # set it to fuzz differently
OPS = ["auth", "ping", "info", "get_state", "is_reachable", "stop", "emergency_stop", "claim",
       "release", "render", "oracle", "object_poses", "check", "world_info", "move_joints",
       "move_linear", "wait", "gripper_open", "gripper_close", "clear_fault", "set_speed_scale",
       "reset", "nope", ""]
TEMPLATES = [
    {"id": 1, "op": "ping", "args": {}},
    {"id": 2, "op": "get_state", "args": {}},
    {"id": 3, "op": "is_reachable", "args": {"pose": [0.5, 0.0, 0.1, 3.1416, 0.0, 0.0]}},
    {"id": 4, "op": "check", "args": {"name": "is_in", "a": "red block", "b": "blue bowl"}},
    {"id": 5, "op": "render", "args": {"camera": {"width": 64, "height": 48}}},
    {"id": 6, "op": "move_joints", "args": {"joints": [0, -1.3, 0, -2.9, 0, 1.6, 0.8],
                                            "speed": 0.5}},
    {"id": 7, "op": "move_linear", "args": {"pose": [0.5, 0.0, 0.2, 3.14, 0, 0]}},
    {"id": 8, "op": "auth", "args": {"token": TOKEN}},
    {"id": 9, "op": "object_poses", "args": {}},
    {"id": 10, "op": "set_speed_scale", "args": {"scale": 0.5}},
]
SPECIALS = [b"", b" ", b"null", b"[]", b'"auth"', b"[" * 200_000 + b"]" * 200_000,
            b'{"id": ' + b"9" * 5000 + b', "op": "ping"}', b'{"id": NaN, "op": "ping"}',
            b'{"id": Infinity, "op": "get_state"}', b'{"id": 1, "op": "ping", "args": []}',
            b'{"id": 1, "op": "' + b"x" * 300_000 + b'"}', b"\xff\xfe\xfd",
            b'{"id": 1, "op": "render", "args": {"camera": {"width": 1e308}}}',
            b'{"id": 1, "op": "is_reachable", "args": {"pose": [1e999, 0, 0, 0, 0, 0]}}']


def random_json(rng: random.Random, depth: int = 0) -> object:
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice([None, True, False, rng.randint(-2**70, 2**70), rng.uniform(-1e6, 1e6),
                           "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 8)))])
    if roll < 0.7:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["id", "op", "args", "pose", "token", "x"]): random_json(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def mutate(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        where = rng.randrange(len(raw) + 1)
        kind = rng.randrange(6)
        if kind == 0 and raw:  # flip a byte
            raw[min(where, len(raw) - 1)] = rng.randrange(256)
        elif kind == 1:  # insert bytes
            raw[where:where] = rng.choice([b"9" * rng.randint(1, 30), b"NaN", b"[", b"{", b'"',
                                           b"-", b"1e400", bytes([rng.randrange(256)])])
        elif kind == 2:  # delete a span
            del raw[where:where + rng.randint(1, 8)]
        elif kind == 3:  # duplicate a span
            raw[where:where] = raw[where:where + rng.randint(1, 16)]
        elif kind == 4:  # cut short
            del raw[where:]
        else:  # swap the op
            raw = bytearray(data.replace(b'"op": "', b'"op": "' + rng.choice(OPS).encode()
                                         + b'", "was": "', 1))
    return bytes(raw).replace(b"\n", b" ")


def fuzz_message(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.15:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))).replace(b"\n", b"")
    if roll < 0.3:
        return json.dumps(random_json(rng)).encode()
    if roll < 0.5:
        return json.dumps({"id": random_json(rng), "op": rng.choice(OPS),
                           "args": random_json(rng)}).encode()
    if roll < 0.95:
        return mutate(rng, json.dumps(rng.choice(TEMPLATES)).encode())
    return rng.choice(SPECIALS)


def next_reply(client: WireClient) -> bool:
    """A well-formed reply (True) or the closed connection (False; a reset is a close too: the
    server closed with some of a burst unread)."""
    try:
        reply = client.reply()
    except ConnectionResetError:
        return False
    if reply is None:
        return False
    assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool) and "id" in reply
    if not reply["ok"]:
        assert isinstance(reply["error"]["type"], str) and isinstance(reply["error"]["message"],
                                                                      str)
    return True


@pytest.fixture(scope="module")
def server() -> Iterator[ServedArm]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STACKBOT_ARM_TOKEN", TOKEN)
        with served_arm() as served:
            yield served


def fuzz(port: int, rng: random.Random, alive: Callable[[], None]) -> dict[str, int]:
    """Send the messages; every one gets a reply or the connection closes. Returns counts."""
    counts = {"messages": 0, "replies": 0, "closed": 0, "connections": 0}
    deadline = time.monotonic() + SECONDS
    while counts["messages"] < MESSAGES and time.monotonic() < deadline:
        client = WireClient(port, timeout=30)
        counts["connections"] += 1
        if rng.random() < 0.85:
            client.authenticate()
        open_ = True
        for _ in range(rng.randint(1, 30)):
            burst = [fuzz_message(rng) for _ in range(rng.choice([1, 1, 1, 5, 40]))]
            try:
                client.sock.sendall(b"".join(line + b"\n" for line in burst))
            except (BrokenPipeError, ConnectionResetError):  # closed after an earlier message
                counts["closed"] += 1
                break
            counts["messages"] += len(burst)
            for _ in burst:
                if not next_reply(client):
                    counts["closed"] += 1
                    open_ = False
                    break
                counts["replies"] += 1
            if not open_:
                break
        client.close()
        alive()
    return counts


def test_fuzzed_protocol_leaves_the_server_serving_a_controller(server: ServedArm) -> None:
    controller = RemoteArmDriver(ServerAddress(port=server.port), heartbeat_interval=0.1)
    controller.connect()  # holds the arm through the fuzz, so fuzzers cannot move it
    rss_before = server.rss_mb()

    def alive() -> None:
        assert WireClient(server.port).authenticate().request("ping", 1)["result"] == "pong"

    counts = fuzz(server.port, random.Random(SEED), alive)
    rss_after = server.rss_mb()
    print(f"fuzz: {counts}; server RSS {rss_before:.0f} MB before, {rss_after:.0f} MB after")
    assert counts["messages"] >= 300 and counts["replies"] > counts["closed"]
    log = server.log_text()
    assert "Unhandled exception" not in log and "Traceback" not in log, log[-3000:]

    controller.clear_fault()  # fuzzed e-stops latched a fault
    controller.close()  # a scene reset comes from the world's connection, with the arm free
    with RemoteWorld(ServerAddress(port=server.port)) as world:
        world.reset(SceneSpec(blocks=("red", "green"), bowls=("blue", "yellow"), seed=3))
        controller.connect()
        for block, bowl in (("red block", "blue bowl"), ("green block", "yellow bowl")):
            for primitive in pick_and_place(world.oracle_scene(), block, bowl, CompilerConfig()):
                run_primitive(primitive, controller)
            assert world.is_in(block, bowl)
    controller.close()
