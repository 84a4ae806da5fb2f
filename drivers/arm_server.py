"""Serve any `ArmDriver` (and, for a simulated arm, its World) over TCP to remote clients.

One asyncio loop reads every connection, so pings and `stop` are handled even while a motion
runs; arm commands run one at a time on a dedicated thread, `stop`/`emergency_stop` on another
so they can interrupt a running motion. Rules:

- every connection authenticates first (token compared with `hmac.compare_digest`); a wrong
  token gets an error reply and the connection is closed;
- anyone authenticated may read state, render, stop and e-stop; only the one controlling client
  (`claim`) may move the arm or reset the scene;
- heartbeat: if the controlling client sends nothing for `heartbeat_timeout` seconds, or its
  connection drops, the server stops the arm and revokes its control;
- a malformed message gets an error reply; nothing a client sends crashes the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from drivers import protocol as wire
from drivers.protocol import ProtocolError
from drivers.world_service import WorldService
from skills.driver import ArmDriver, ArmError

log = logging.getLogger(__name__)

ANYONE = {"ping", "info", "get_state", "is_reachable", "stop", "emergency_stop", "claim",
          "release", "render", "oracle", "object_poses", "check", "world_info"}
CONTROLLER = {"move_joints", "move_linear", "wait", "gripper_open", "gripper_close",
              "clear_fault", "set_speed_scale", "reset"}


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8765
    heartbeat_timeout: float = 1.0  # seconds of silence from the controller before a stop
    tls_cert: str | None = None
    tls_key: str | None = None
    max_line_bytes: int = 1 << 20


class _Client:
    def __init__(self, writer: asyncio.StreamWriter, peer: str) -> None:
        self.writer, self.peer = writer, peer
        self.authenticated = False
        self.last_seen = time.monotonic()
        self.write_lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        async with self.write_lock:
            with contextlib.suppress(ConnectionError, RuntimeError):
                self.writer.write(wire.encode(message))
                await self.writer.drain()


class ArmServer:
    """`ArmServer(driver, token, settings, world=None)`; `await serve()` or `serve_in_thread()`."""

    def __init__(self, driver: ArmDriver, token: str, settings: ServerSettings | None = None,
                 world: Any = None) -> None:
        if not token:
            raise ValueError("the arm server needs a non-empty token")
        self.driver, self.settings = driver, settings or ServerSettings()
        self._token = token
        self._world = WorldService(world) if world is not None else None
        self._controller: _Client | None = None
        self._arm_thread = ThreadPoolExecutor(1, thread_name_prefix="arm")
        self._stop_thread = ThreadPoolExecutor(1, thread_name_prefix="arm-stop")
        self.port: int | None = None
        self.stops_by_watchdog = 0
        self._server: asyncio.Server | None = None

    # serving -------------------------------------------------------------------------------------
    async def serve(self, ready: Callable[[int], None] | None = None) -> None:
        context: ssl.SSLContext | None = wire.server_tls(self.settings.tls_cert,
                                                         self.settings.tls_key)
        self._server = await asyncio.start_server(
            self._handle, self.settings.host, self.settings.port, ssl=context,
            limit=self.settings.max_line_bytes)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("arm server on %s:%s (TLS %s)", self.settings.host, self.port,
                 "on" if context else "off")
        if ready is not None:
            ready(self.port)
        watchdog = asyncio.create_task(self._watchdog())
        try:
            async with self._server:
                await self._server.serve_forever()
        finally:
            watchdog.cancel()

    @contextlib.contextmanager
    def serve_in_thread(self) -> Iterator[int]:
        """Run the server on a background thread (its own event loop); yield the port."""
        started = threading.Event()
        holder: dict[str, Any] = {}

        def run() -> None:
            loop = asyncio.new_event_loop()
            holder["loop"] = loop
            task = loop.create_task(self.serve(lambda _: started.set()))
            holder["task"] = task
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(task)
            pending = asyncio.all_tasks(loop)  # connection handlers still reading
            for leftover in pending:
                leftover.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        thread = threading.Thread(target=run, name="arm-server", daemon=True)
        thread.start()
        if not started.wait(10):
            raise RuntimeError("the arm server did not start")
        try:
            yield int(self.port or 0)
        finally:
            holder["loop"].call_soon_threadsafe(holder["task"].cancel)
            thread.join(10)
            self._arm_thread.shutdown(wait=False)
            self._stop_thread.shutdown(wait=False)

    # connections ---------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = str(writer.get_extra_info("peername"))
        client = _Client(writer, peer)
        skipping = False  # inside the rest of a line that was too long
        try:
            while True:
                try:
                    line = await reader.readline()
                except ValueError as error:  # longer than max_line_bytes
                    if not skipping:
                        await client.send(wire.error_reply(None, "BadRequest", "too long"))
                    skipping = "not found" in str(error)  # its newline has not arrived yet
                    continue
                if not line:
                    break
                if skipping:
                    skipping = False
                    continue
                client.last_seen = time.monotonic()
                if not await self._on_line(client, line):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError) as error:
            log.info("connection %s dropped: %s", peer, error)
        except asyncio.CancelledError:
            log.info("connection %s closed: the server is shutting down", peer)
        finally:
            if self._controller is client:
                log.warning("controlling client %s disconnected: stopping the arm", peer)
                await self._stop_arm()
                self._controller = None
            writer.close()

    async def _on_line(self, client: _Client, line: bytes) -> bool:
        """Handle one message; False closes the connection."""
        request_id: object = None
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ProtocolError("BadRequest", "a message is a JSON object")
            request_id = request.get("id")
            op, args = request.get("op"), request.get("args", {})
            if not isinstance(op, str) or not isinstance(args, dict):
                raise ProtocolError("BadRequest", "a message needs a string op and object args")
            if op == "auth":
                if not wire.token_matches(self._token, args.get("token")):
                    log.warning("rejected %s: wrong token", client.peer)
                    await client.send(wire.error_reply(request_id, "AuthError", "wrong token"))
                    return False
                client.authenticated = True
                await client.send({"id": request_id, "ok": True, "result": {
                    "world": self._world is not None,
                    "heartbeat_timeout": self.settings.heartbeat_timeout}})
                return True
            if not client.authenticated:
                raise ProtocolError("AuthError", "authenticate first")
            if op not in ANYONE | CONTROLLER:
                raise ProtocolError("BadRequest", f"unknown op {op[:40]!r}")
            if op in CONTROLLER and not self._controls(client, op):
                raise ProtocolError("Busy", f"{op} needs control of the arm; claim it first")
            if op in ("ping", "claim", "release", "stop", "emergency_stop"):
                result = await self._immediate(client, op)
                await client.send({"id": request_id, "ok": True, "result": result})
            else:  # state reads run beside a motion; everything else queues on the arm
                thread = self._stop_thread if op in ("info", "get_state") else self._arm_thread
                asyncio.create_task(self._run_on(thread, client, request_id, op, args))
        except (json.JSONDecodeError, UnicodeDecodeError):
            await client.send(wire.error_reply(None, "BadRequest", "not JSON"))
        except ProtocolError as error:
            await client.send(wire.error_reply(request_id, error.kind, str(error)))
        except ArmError as error:
            await client.send(wire.error_reply(request_id, type(error).__name__, str(error)))
        return True

    def _controls(self, client: _Client, op: str) -> bool:
        if self._controller is client:
            return True
        return op == "reset" and self._controller is None

    async def _immediate(self, client: _Client, op: str) -> Any:
        if op == "ping":
            return "pong"
        if op == "claim":
            if self._controller not in (None, client):
                raise ProtocolError("Busy", "another client controls the arm")
            self._controller = client
            return {"heartbeat_timeout": self.settings.heartbeat_timeout}
        if op == "release":
            if self._controller is client:
                self._controller = None
            return None
        loop = asyncio.get_running_loop()
        method = self.driver.stop if op == "stop" else self.driver.emergency_stop
        await loop.run_in_executor(self._stop_thread, method)
        return None

    async def _run_on(self, thread: ThreadPoolExecutor, client: _Client, request_id: object,
                      op: str, args: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(thread, self._call, op, args)
            reply = {"id": request_id, "ok": True, "result": result}
        except ProtocolError as error:
            reply = wire.error_reply(request_id, error.kind, str(error))
        except ArmError as error:
            reply = wire.error_reply(request_id, type(error).__name__, str(error))
        except (ValueError, TypeError, KeyError) as error:
            reply = wire.error_reply(request_id, "BadRequest", f"{type(error).__name__}: {error}")
        except Exception as error:  # never let a client's request take the server down
            log.exception("%s failed", op)
            reply = wire.error_reply(request_id, "ServerError", f"{type(error).__name__}: {error}")
        await client.send(reply)

    def _call(self, op: str, args: dict[str, Any]) -> Any:
        """Run one request on the arm thread."""
        arm, n = self.driver, wire.number
        if op == "info":
            return wire.info_to_json(arm.info)
        if op == "get_state":
            return wire.state_to_json(arm.get_state())
        if op == "is_reachable":
            return arm.is_reachable(wire.numbers(args, "pose", 6))  # type: ignore[arg-type]
        if op == "move_joints":
            arm.move_joints(wire.numbers(args, "joints"), n(args, "speed", True),
                            n(args, "accel", True), n(args, "timeout", True))
            return None
        if op == "move_linear":
            arm.move_linear(wire.numbers(args, "pose", 6), n(args, "speed", True),  # type: ignore[arg-type]
                            n(args, "accel", True), n(args, "timeout", True))
            return None
        if op == "wait":
            arm.wait(n(args, "timeout", True))
            return None
        if op in ("gripper_open", "gripper_close", "clear_fault"):
            return getattr(arm, op)()
        if op == "set_speed_scale":
            arm.set_speed_scale(n(args, "scale") or 0.0)
            return None
        if self._world is None:
            raise ProtocolError("BadRequest", f"{op}: this server has no simulated world")
        return self._world.call(op, args)

    # heartbeat -------------------------------------------------------------------------------
    async def _watchdog(self) -> None:
        limit = self.settings.heartbeat_timeout
        while True:
            await asyncio.sleep(min(0.02, limit / 5))
            client = self._controller
            if client is not None and time.monotonic() - client.last_seen > limit:
                log.warning("controlling client %s silent for over %.2f s: stopping the arm",
                            client.peer, limit)
                self._controller = None
                self.stops_by_watchdog += 1
                await self._stop_arm()
                client.writer.close()

    async def _stop_arm(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._stop_thread, self.driver.stop)
        except Exception:  # stop must never take the server down
            log.exception("stop failed")
