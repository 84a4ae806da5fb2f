"""Serve any `ArmDriver` (and, for a simulated arm, its World) over TCP to remote clients.

One asyncio loop reads every connection, so pings and `stop` are handled even while a motion
runs. The server owns the transport, authentication, who controls the arm and the heartbeat; what
each request does to the driver, and on which of the three lanes (`remote.lanes`: motions one
at a time, state reads beside them, stops on a lane of their own that nothing else can fill), is
the dispatcher's (`remote.dispatch`). Rules:

- every connection authenticates first, within `auth_timeout` seconds (token compared with
  `hmac.compare_digest`, at least 16 characters); a wrong token gets an error reply and the
  connection is closed;
- connections are budgeted apart (`remote.admission`): after `auth_grace` seconds, at most
  `max_unauthenticated` not authenticated (a newer one closes the oldest), so clients that
  never authenticate cannot keep one that does out; at most `max_connections` authenticated,
  one beyond that may only stop, e-stop and ping until its authentication deadline;
- anyone authenticated may read state, render, stop and e-stop; only the one controlling client
  (`claim`) may move the arm or reset the scene;
- a stop is a latch: stop, e-stop, heartbeat expiry and the controller's disconnect interrupt the
  running motion and fail every command queued before them (MotionInterrupted); the controller
  releases the latch by sending its next command after the stop's reply;
- heartbeat: if the controlling client sends nothing for `heartbeat_timeout` seconds, or its
  connection drops, the server stops the arm and revokes its control;
- back-pressure: at most `max_in_flight` requests per connection await their replies (more get a
  TooManyRequests error), and a client that does not read its replies is no longer read;
- a malformed message gets an error reply; nothing a client sends crashes the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from drivers import ArmDriver, ArmError
from remote import protocol as wire
from remote.admission import Admission
from remote.connection import ClientConnection
from remote.dispatch import CONTROLLER, IMMEDIATE, KNOWN, STOPS, Dispatcher
from remote.protocol import ProtocolError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8765
    heartbeat_timeout: float = 1.0  # seconds of silence from the controller before a stop
    tls_cert: str | None = None
    tls_key: str | None = None
    max_line_bytes: int = 1 << 20
    auth_timeout: float = 5.0  # seconds a new connection has to authenticate
    max_connections: int = 16  # authenticated connections
    max_unauthenticated: int = 8  # connections authenticating (or beyond max_connections)
    auth_grace: float = 0.25  # seconds a new connection is not counted in max_unauthenticated
    max_in_flight: int = 32  # requests per connection awaiting their replies

    def __post_init__(self) -> None:
        for name in ("heartbeat_timeout", "auth_timeout", "max_connections",
                     "max_unauthenticated", "max_in_flight", "max_line_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"server.{name} must be positive, got {getattr(self, name)}")
        if not 0 <= self.auth_grace < self.auth_timeout:
            raise ValueError(f"server.auth_grace must be in [0, auth_timeout), got "
                             f"{self.auth_grace}")


class ArmServer:
    """`ArmServer(driver, token, settings, world=None)`; `await serve()` or `serve_in_thread()`."""

    def __init__(self, driver: ArmDriver, token: str, settings: ServerSettings | None = None,
                 world: Any = None) -> None:
        wire.check_token(token)
        self.driver, self.settings = driver, settings or ServerSettings()
        self._token = token
        self._dispatch = Dispatcher(driver, world)
        self._controller: ClientConnection | None = None
        self._admission = Admission(self.settings.max_connections,
                                    self.settings.max_unauthenticated, self.settings.auth_grace)
        self.port: int | None = None
        self.stops_by_watchdog = 0
        self._server: asyncio.Server | None = None

    # serving -------------------------------------------------------------------------------------
    async def serve(self, ready: Callable[[int], None] | None = None) -> None:
        context: ssl.SSLContext | None = wire.server_tls(self.settings.tls_cert,
                                                         self.settings.tls_key)
        self._server = await asyncio.start_server(
            self._handle, self.settings.host, self.settings.port, ssl=context,
            limit=self.settings.max_line_bytes,
            ssl_handshake_timeout=self.settings.auth_timeout if context else None)
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
            self._dispatch.shutdown()

    # connections ---------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = ClientConnection(writer, self.settings.max_in_flight)
        self._admission.arrive(client)
        try:
            await self._serve_client(client, reader)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError) as error:
            log.info("connection %s dropped: %s", client.peer, error)
        except asyncio.CancelledError:
            log.info("connection %s closed: the server is shutting down", client.peer)
        except Exception:  # nothing a client sends may take the server down
            log.exception("connection %s failed", client.peer)
        finally:
            self._admission.leave(client)
            client.close()
            if self._controller is client:
                log.warning("controlling client %s disconnected: stopping the arm", client.peer)
                self._controller = None
                await self._stop_arm()

    async def _serve_client(self, client: ClientConnection, reader: asyncio.StreamReader) -> None:
        auth_deadline = time.monotonic() + self.settings.auth_timeout
        skipping = False  # inside the rest of a line that was too long
        while True:
            try:
                wait = None if self._admission.admitted(client) else (
                auth_deadline - time.monotonic())
                line = await asyncio.wait_for(reader.readline(), wait)
            except TimeoutError:
                log.warning("closed %s: no authentication within %.1f s", client.peer,
                            self.settings.auth_timeout)
                await client.send(wire.error_reply(None, "AuthError", "authentication timed out"))
                return
            except ValueError as error:  # longer than max_line_bytes
                if not skipping:
                    await client.send(wire.error_reply(None, "BadRequest", "too long"))
                skipping = "not found" in str(error)  # its newline has not arrived yet
                continue
            if not line:
                return
            if skipping:
                skipping = False
                continue
            client.last_seen = time.monotonic()
            if not await self._on_line(client, line):
                return
            await asyncio.sleep(0)  # one client's burst must not hold up the others

    async def _on_line(self, client: ClientConnection, line: bytes) -> bool:
        """Handle one message; False closes the connection."""
        request_id: object = None
        try:
            request = wire.decode_request(line)
            request_id, op = request.id, request.op
            if op == "auth":
                return await self._authenticate(client, request)
            if not client.authenticated:
                raise ProtocolError("AuthError", "authenticate first")
            if op not in KNOWN:
                raise ProtocolError("BadRequest", f"unknown op {op[:40]!r}")
            if not self._admission.admitted(client) and op not in STOPS | {"ping"}:
                raise ProtocolError("Busy", f"{self.settings.max_connections} connections "
                                    "(server.max_connections) are open: this one may only "
                                    "stop, e-stop and ping")
            if op in CONTROLLER and not self._controls(client, op):
                raise ProtocolError("Busy", f"{op} needs control of the arm; claim it first")
            if op in IMMEDIATE:
                result = self._immediate(client, op)
                await client.send({"id": request_id, "ok": True, "result": result})
            elif op in STOPS:  # the gate closes now, before the next line is read
                await self._dispatch.stop(op)  # type: ignore[arg-type]
                await client.send({"id": request_id, "ok": True, "result": None})
            elif not client.has_room:
                raise ProtocolError("TooManyRequests", f"{client.max_in_flight} requests of "
                                    "this connection await their replies; wait for some first")
            else:
                client.start(self._run(client, request))
        except ProtocolError as error:
            await client.send(wire.error_reply(error.request_id if request_id is None
                                               else request_id, error.kind, str(error)))
        except ArmError as error:
            await client.send(wire.error_reply(request_id, type(error).__name__, str(error)))
        except Exception as error:  # a failing stop, a bug: never the end of the server
            log.exception("request failed")
            await client.send(wire.error_reply(request_id, "ServerError", type(error).__name__))
        return True

    async def _authenticate(self, client: ClientConnection, request: wire.Request) -> bool:
        if not wire.token_matches(self._token, request.args.get("token")):
            log.warning("rejected %s: wrong token", client.peer)
            await client.send(wire.error_reply(request.id, "AuthError", "wrong token"))
            return False
        client.authenticated = True
        full = not self._admission.authenticate(client)
        await client.send({"id": request.id, "ok": True, "result": {
            "world": self._dispatch.world is not None,
            "heartbeat_timeout": self.settings.heartbeat_timeout, "stop_only": full}})
        return True

    def _controls(self, client: ClientConnection, op: str) -> bool:
        if self._controller is client:
            return True
        return op == "reset" and self._controller is None

    def _immediate(self, client: ClientConnection, op: str) -> Any:
        if op == "ping":
            return "pong"
        if op == "claim":
            if self._controller not in (None, client):
                raise ProtocolError("Busy", "another client controls the arm")
            self._controller = client
            return {"heartbeat_timeout": self.settings.heartbeat_timeout}
        if self._controller is client:  # release
            self._controller = None
        return None

    async def _run(self, client: ClientConnection, request: wire.Request) -> None:
        reply = await self._dispatch.reply(request, lambda: self._controls(client, request.op))
        await client.send(reply)

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
                client.close()
                await self._stop_arm()

    async def _stop_arm(self) -> None:
        """Stop the arm and cancel every command queued for it (see remote.lanes)."""
        try:
            await self._dispatch.stop()
        except Exception:  # stop must never take the server down
            log.exception("stop failed")
