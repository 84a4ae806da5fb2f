"""Where the arm server runs each request, and the gate that makes a stop a latch.

Three lanes, each one thread:

- the motion lane: every command that moves or changes the arm, and the world ops (a simulator
  is not safe to change from two threads), one at a time in arrival order;
- the read lane: `info` and `get_state`, answered beside a running motion;
- the stop lane: `stop` and `emergency_stop` and nothing else. A stop that arrives while another
  of the same kind is waiting or running joins it, so no volume of requests queues in front of one.

The gate: every command for the motion lane takes a ticket when it arrives; a stop closes every
ticket issued before it, so a command queued before the stop fails with MotionInterrupted when its
turn comes instead of moving the arm. A command that arrives after the stop (how the controller
releases the latch) gets a new ticket and runs. A command admitted before the stop and still
running is stopped again until it ends: the driver may not yet have begun it when the first stop
came, and a driver's stop interrupts only the motion it is running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from drivers import ArmDriver, MotionInterrupted

log = logging.getLogger(__name__)

StopKind = Literal["stop", "emergency_stop"]
RESTOP_INTERVAL = 0.01  # seconds between stops while a command from before a stop still runs


class MotionGate:
    """Tickets for motion-lane commands; `close()` cancels every ticket issued so far."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch = 0
        self._running: int | None = None  # the ticket of the admitted command still running

    def ticket(self) -> int:
        return self._epoch

    def close(self) -> None:
        with self._lock:
            self._epoch += 1

    @contextlib.contextmanager
    def admitted(self, ticket: int, op: str) -> Iterator[None]:
        """Run the body only if no stop came since `ticket` was issued (MotionInterrupted else)."""
        with self._lock:
            if ticket != self._epoch:
                raise MotionInterrupted(f"{op} cancelled: the arm was stopped after it was queued")
            self._running = ticket
        try:
            yield
        finally:
            with self._lock:
                self._running = None

    @property
    def stale_command_running(self) -> bool:
        """Is a command admitted before the latest stop still running?"""
        with self._lock:
            return self._running is not None and self._running != self._epoch


class Lanes:
    """The three lanes for one driver, and the stops that close the gate."""

    def __init__(self, driver: ArmDriver) -> None:
        self.driver = driver
        self.gate = MotionGate()
        self._motion = ThreadPoolExecutor(1, thread_name_prefix="arm-motion")
        self._read = ThreadPoolExecutor(1, thread_name_prefix="arm-read")
        self._stop = ThreadPoolExecutor(1, thread_name_prefix="arm-stop")
        self._stops_in_progress: dict[StopKind, asyncio.Future[None]] = {}
        self._restopping: asyncio.Task[None] | None = None

    async def read(self, call: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._read, call)

    async def motion(self, ticket: int | None, op: str, call: Callable[[], Any]) -> Any:
        """Run `call` on the motion lane; with a ticket, only if no stop came since its issue."""
        def admitted_call() -> Any:
            if ticket is None:
                return call()
            with self.gate.admitted(ticket, op):
                return call()

        return await asyncio.get_running_loop().run_in_executor(self._motion, admitted_call)

    async def stop(self, kind: StopKind = "stop") -> None:
        """Close the gate (at once, in arrival order), then stop the arm on the stop lane."""
        self.gate.close()
        running = self._stops_in_progress.get(kind)
        if running is None or running.done():
            method = self.driver.stop if kind == "stop" else self.driver.emergency_stop
            running = asyncio.get_running_loop().run_in_executor(self._stop, method)
            self._stops_in_progress[kind] = running
        await asyncio.shield(running)
        if self._restopping is None or self._restopping.done():
            self._restopping = asyncio.create_task(self._stop_stale_commands())

    async def _stop_stale_commands(self) -> None:
        loop = asyncio.get_running_loop()
        while self.gate.stale_command_running:
            await asyncio.sleep(RESTOP_INTERVAL)
            if self.gate.stale_command_running:
                try:
                    await loop.run_in_executor(self._stop, self.driver.stop)
                except Exception:  # keep trying: the command must not run on
                    log.exception("stop failed")

    def shutdown(self) -> None:
        for lane in (self._motion, self._read, self._stop):
            lane.shutdown(wait=False)
