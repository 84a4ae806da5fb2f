"""Which connections of the arm server hold a slot, in two budgets: authenticated ones (up to
`max_connections`, with every right) and the others (up to `max_unauthenticated`).

A new connection first has `grace` seconds in which it is not counted: an honest client sends
its token in its first line and is authenticated within milliseconds. Only after that does it join
the budget of connections not authenticated, and when that is full it closes the oldest there.
So clients that connect and never authenticate, however many and however often they come back,
cannot keep out one that authenticates at once; they only take turns among themselves. A client
that authenticates when all `max_connections` are taken may only stop, e-stop and ping, and
keeps its place (and its deadline) in the other budget.
"""

from __future__ import annotations

import asyncio
import logging

from remote import protocol as wire
from remote.connection import ClientConnection

log = logging.getLogger(__name__)

GRACE_PER_SLOT = 8  # in their grace at once, per slot of max_unauthenticated (bounds the sockets)


class Admission:
    def __init__(self, max_connections: int, max_unauthenticated: int, grace: float) -> None:
        self.max_connections, self.max_unauthenticated = max_connections, max_unauthenticated
        self.grace = grace
        self.clients: set[ClientConnection] = set()  # authenticated, with every right
        self._arriving: dict[ClientConnection, asyncio.TimerHandle] = {}
        self._waiting: list[ClientConnection] = []  # the budget, oldest first
        self.closed = 0  # connections closed to make room for newer ones

    def arrive(self, client: ClientConnection) -> None:
        if len(self._arriving) < GRACE_PER_SLOT * self.max_unauthenticated:
            loop = asyncio.get_running_loop()
            self._arriving[client] = loop.call_later(self.grace, self._wait, client)
        else:
            self._wait(client)

    def authenticate(self, client: ClientConnection) -> bool:
        """Give an authenticated client every right; False when all are taken (stop only)."""
        if client in self.clients:
            return True
        if len(self.clients) >= self.max_connections:
            return False
        self._leave_budget(client)
        self.clients.add(client)
        return True

    def admitted(self, client: ClientConnection) -> bool:
        return client in self.clients

    def leave(self, client: ClientConnection) -> None:
        self.clients.discard(client)
        self._leave_budget(client)

    def _wait(self, client: ClientConnection) -> None:
        self._arriving.pop(client, None)
        self._waiting.append(client)
        if len(self._waiting) > self.max_unauthenticated:
            oldest = self._waiting.pop(0)
            self.closed += 1
            log.debug("closed %s: the oldest of %d connections not authenticated", oldest.peer,
                      self.max_unauthenticated + 1)
            oldest.drop(wire.error_reply(None, "Busy", "closed to make room for a newer "
                                         "connection: authenticate at once after connecting"))

    def _leave_budget(self, client: ClientConnection) -> None:
        timer = self._arriving.pop(client, None)
        if timer is not None:
            timer.cancel()
        if client in self._waiting:
            self._waiting.remove(client)
