"""One client connection of the arm server: its replies and the requests it has in flight."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine
from typing import Any

from remote import protocol as wire


class ClientConnection:
    """Replies are written one at a time and awaited until the socket takes them (so a client
    that does not read its replies stops being read: TCP back-pressure). At most `max_in_flight`
    requests run for it at once; nothing is written once the connection is closing."""

    def __init__(self, writer: asyncio.StreamWriter, max_in_flight: int) -> None:
        self.writer = writer
        self.peer = str(writer.get_extra_info("peername"))
        self.max_in_flight = max_in_flight
        self.authenticated = False
        self.last_seen = time.monotonic()
        self._write_lock = asyncio.Lock()
        self._in_flight: set[asyncio.Task[None]] = set()

    @property
    def closing(self) -> bool:
        return self.writer.is_closing()

    @property
    def has_room(self) -> bool:
        return len(self._in_flight) < self.max_in_flight

    def start(self, request: Coroutine[Any, Any, None]) -> None:
        """Run a request that replies when done (check `has_room` first)."""
        task = asyncio.create_task(request)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def send(self, message: dict[str, Any]) -> None:
        if self.closing:
            return
        try:
            data = wire.encode(message)
        except (ValueError, TypeError) as error:  # a result that is not JSON (NaN, ...)
            data = wire.encode(wire.error_reply(message.get("id"), "ServerError",
                                                f"the reply is not JSON: {error}"))
        async with self._write_lock:
            if self.closing:
                return
            with contextlib.suppress(ConnectionError, RuntimeError):
                self.writer.write(data)
                await self.writer.drain()

    def drop(self, message: dict[str, Any]) -> None:
        """Write `message` without waiting for the socket to take it, and close."""
        if not self.closing:
            with contextlib.suppress(ConnectionError, RuntimeError):
                self.writer.write(wire.encode(message))
        self.close()

    def close(self) -> None:
        """Cancel the requests still in flight (no reply is written) and close the socket."""
        for task in list(self._in_flight):
            task.cancel()
        self.writer.close()
