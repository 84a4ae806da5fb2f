"""`robot=remote`: an arm served by `stackbot-arm-server`, and the simulated world behind it.

`RemoteArmDriver` is an ArmDriver whose every call is a request to the server. `connect()`
claims control of the arm and starts a heartbeat (the server stops the arm if it stops); `close()`
releases it. `RemoteWorld` is the server's simulated World as the planner side sees it: scene
resets, camera frames rendered on the server, ground truth. Each opens its own connection.
"""

from __future__ import annotations

import itertools
import json
import logging
import socket
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from typing import Any

from drivers import ArmConnectionError, ArmDriver, ArmInfo, ArmState, Pose
from perception.types import Detection, Frame, Scene
from remote import protocol as wire
from remote.line_socket import LineSocket
from skills.snapshot import ObjectSizes, Position, WorldSnapshot
from skills.types import ObjectPose
from skills.workspace import Workspace

log = logging.getLogger(__name__)

SEND_TIMEOUT = 10.0  # seconds the server may take no bytes of a request before it counts as lost


@dataclass(frozen=True)
class ServerAddress:
    """Where the arm server is and how to authenticate: the token comes from the environment
    variable named `token_env` or from `token_file`, never from the config itself."""

    host: str = "127.0.0.1"
    port: int = 8765
    token_env: str | None = "STACKBOT_ARM_TOKEN"
    token_file: str | None = None
    tls_ca: str | None = None  # CA (or self-signed certificate) to trust; None: plain TCP
    tls_server_name: str | None = None
    connect_timeout: float = 5.0


class Connection:
    """One authenticated connection; replies are matched to requests by id on a reader thread."""

    def __init__(self, address: ServerAddress) -> None:
        self.address = address
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        token = wire.load_token(address.token_env, address.token_file)
        try:
            raw = socket.create_connection((address.host, address.port),
                                           timeout=address.connect_timeout)
            context = wire.client_tls(address.tls_ca)
            sock = context.wrap_socket(
                raw, server_hostname=address.tls_server_name or address.host) if context else raw
        except OSError as error:
            raise ArmConnectionError(f"cannot reach the arm server at {address.host}:"
                                     f"{address.port}: {error}") from error
        self._socket = LineSocket(sock)
        self._send_lock = threading.Lock()  # one request's bytes at a time
        self._reader = threading.Thread(target=self._read, name="arm-client-reader", daemon=True)
        self._reader.start()
        try:
            self.server_info = self.call("auth", address.connect_timeout, token=token)
        except BaseException:
            self.close()
            raise

    def call(self, op: str, reply_within: float | None = 30.0, **args: Any) -> Any:
        request_id = next(self._ids)
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            if self._closed.is_set():
                raise ArmConnectionError("the connection to the arm server is closed")
            self._pending[request_id] = future
        try:  # not under self._lock: the reader needs it to hand out replies meanwhile
            with self._send_lock:
                self._socket.send_all(wire.encode({"id": request_id, "op": op, "args": args}),
                                      SEND_TIMEOUT)
        except OSError as error:
            with self._lock:
                self._pending.pop(request_id, None)
            raise ArmConnectionError(f"lost the arm server: {error}") from error
        try:
            reply = future.result(reply_within)
        except FutureTimeout as error:
            raise ArmConnectionError(f"no reply to {op} within {reply_within} s") from error
        finally:
            with self._lock:
                self._pending.pop(request_id, None)
        if not reply.get("ok"):
            wire.raise_error(reply.get("error") or {})
        return reply.get("result")

    def close(self) -> None:
        self._closed.set()
        self._socket.close()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def _read(self) -> None:
        try:
            for line in self._socket.lines():
                try:
                    reply = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if not isinstance(reply, dict):
                    continue
                with self._lock:
                    future = self._pending.get(reply.get("id"))
                if future is not None and not future.done():
                    future.set_result(reply)
                elif not reply.get("ok"):
                    log.warning("arm server: %s", reply.get("error"))
        except (OSError, ValueError):
            pass
        finally:
            self._closed.set()
            with self._lock:
                for future in (f for f in self._pending.values() if not f.done()):
                    future.set_exception(ArmConnectionError("the arm server closed the "
                                                            "connection"))
                self._pending.clear()


class RemoteArmDriver(ArmDriver):
    """`RemoteArmDriver(server, heartbeat_interval, call_timeout)`: the arm behind a server."""

    def __init__(self, server: ServerAddress | None = None, heartbeat_interval: float = 0.2,
                 call_timeout: float = 120.0) -> None:
        self.server = server or ServerAddress()
        self.heartbeat_interval = heartbeat_interval
        self.call_timeout = call_timeout
        self._connection: Connection | None = None
        self._info: ArmInfo | None = None
        self._heartbeat_stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def _call(self, op: str, reply_within: float | None = None, **args: Any) -> Any:
        if self._connection is None or self._connection.closed:
            self._connection = Connection(self.server)
        return self._connection.call(op, reply_within or self.call_timeout, **args)

    @property
    def info(self) -> ArmInfo:
        if self._info is None:
            self._info = wire.info_from_json(self._call("info"))
        return self._info

    def connect(self) -> None:
        self._call("claim")
        self._heartbeat_stop.clear()
        self._heartbeat = threading.Thread(target=self._beat, name="arm-heartbeat", daemon=True)
        self._heartbeat.start()

    def close(self) -> None:
        self._heartbeat_stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(2)
        if self._connection is not None:
            try:
                if not self._connection.closed:
                    self._connection.call("release", 5.0)
            finally:
                self._connection.close()
                self._connection = None

    def _beat(self) -> None:
        connection = self._connection  # never reconnect from here: control is not regained
        while connection is not None and not self._heartbeat_stop.wait(self.heartbeat_interval):
            try:
                connection.call("ping", max(1.0, 5 * self.heartbeat_interval))
            except ArmConnectionError as error:
                log.warning("heartbeat failed: %s", error)
                return

    def get_state(self) -> ArmState:
        return wire.state_from_json(self._call("get_state"))

    def move_joints(self, joints: tuple[float, ...], speed: float | None = None,
                    accel: float | None = None, timeout: float | None = None) -> None:
        self._call("move_joints", self._deadline(timeout), joints=list(joints), speed=speed,
                   accel=accel, timeout=timeout)

    def move_linear(self, pose: Pose, speed: float | None = None,
                    accel: float | None = None, timeout: float | None = None) -> None:
        self._call("move_linear", self._deadline(timeout), pose=list(pose), speed=speed,
                   accel=accel, timeout=timeout)

    def wait(self, timeout: float | None = None) -> None:
        self._call("wait", self._deadline(timeout), timeout=timeout)

    def is_reachable(self, pose: Pose) -> bool:
        return bool(self._call("is_reachable", pose=list(pose)))

    def gripper_open(self) -> None:
        self._call("gripper_open")

    def gripper_close(self) -> bool:
        return bool(self._call("gripper_close"))

    def stop(self) -> None:
        if self._connection is not None and not self._connection.closed:
            self._call("stop", 10.0)

    def emergency_stop(self) -> None:
        self._call("emergency_stop", 10.0)

    def clear_fault(self) -> None:
        self._call("clear_fault")

    def set_speed_scale(self, scale: float) -> None:
        self._call("set_speed_scale", scale=scale)

    def _deadline(self, motion_timeout: float | None) -> float:
        return self.call_timeout if motion_timeout is None else motion_timeout + 10.0


class RemoteWorld:
    """The server's simulated World, as perception and goal checks on the client side use it."""

    def __init__(self, server: ServerAddress | None = None, call_timeout: float = 60.0) -> None:
        self._connection = Connection(server or ServerAddress())
        self.call_timeout = call_timeout
        if not self._connection.server_info.get("world"):
            self._connection.close()
            raise ArmConnectionError("the arm server has no simulated world to look at")
        info = self._call("world_info")
        self.workspace = Workspace(**info["workspace"])
        self.sizes = ObjectSizes(**info.get("sizes", {}))

    def _call(self, op: str, **args: Any) -> Any:
        return self._connection.call(op, self.call_timeout, **args)

    def reset(self, spec: Any, positions: dict[str, tuple[float, float]] | None = None) -> None:
        scene = {"blocks": list(spec.blocks), "bowls": list(spec.bowls), "seed": spec.seed}
        if getattr(spec, "start_on", ()):  # blocks that start on others (sent only then)
            scene["start_on"] = [list(pair) for pair in spec.start_on]
        self._call("reset", scene=scene,
                   positions={k: list(v) for k, v in (positions or {}).items()})

    def render(self, camera: Any) -> Frame:
        return wire.frame_from_json(self._call("render", camera=asdict(camera)))

    def oracle_detections(self) -> tuple[Detection, ...]:
        return tuple(Detection(d["color"], d["kind"], tuple(d["position"]), d["confidence"])
                     for d in self._call("oracle"))

    def oracle_scene(self) -> Scene:
        return Scene(objects=self.oracle_detections(), locations=self.workspace.named_locations())

    def object_poses(self) -> dict[str, ObjectPose]:
        return {name: ObjectPose(tuple(p["position"]), tuple(p["orientation"]))
                for name, p in self._call("object_poses").items()}

    def object_pose(self, name: str) -> ObjectPose:
        return self.object_poses()[name]

    @property
    def object_names(self) -> tuple[str, ...]:
        return tuple(self._call("world_info")["objects"])

    def snapshot(self, start: Mapping[str, Position] | None = None) -> WorldSnapshot:
        """The server's table now, for the goal predicates; `start`: where the episode began."""
        positions = {name: pose.position for name, pose in self.object_poses().items()}
        return WorldSnapshot(positions, self.workspace.named_locations(), self.sizes,
                             dict(start or {}))

    def is_in(self, block: str, bowl: str) -> bool:
        return self.snapshot().is_in(block, bowl)

    def is_on(self, top: str, bottom: str) -> bool:
        return self.snapshot().is_on(top, bottom)

    def is_at(self, block: str, location: str) -> bool:
        return self.snapshot().is_at(block, location)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> RemoteWorld:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
