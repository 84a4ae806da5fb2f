"""Test helpers: the real `stackbot-arm-server` console script on 127.0.0.1 (port 0), and a client
that speaks the wire format by hand (for pipelined, malformed and silent clients)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARM_SERVER = shutil.which("stackbot-arm-server") or str(
    Path(sys.executable).with_name("stackbot-arm-server"))
TOKEN = "test-token-7f3a-0c9d"  # only ever in the environment of the processes started here


@dataclass(frozen=True)
class ServedArm:
    """A running server process: its port, its pid and its log (stderr)."""

    port: int
    pid: int
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def rss_mb(self) -> float:
        """Resident memory of the server process (MB), from /proc."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert found, "no VmRSS in /proc status"
        return int(found.group(1)) / 1024


@contextmanager
def served_arm(*overrides: str, cwd: Path | None = None) -> Iterator[ServedArm]:
    """Start the server with `overrides`; yield it; stop it."""
    env = {**os.environ, "STACKBOT_ARM_TOKEN": TOKEN}
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:  # a pipe nobody reads could
        proc = subprocess.Popen([ARM_SERVER, "server.port=0", *overrides], cwd=cwd, env=env,
                                stdout=subprocess.PIPE, stderr=log, text=True)  # block the server
        try:
            deadline = time.monotonic() + 120
            line = ""
            while time.monotonic() < deadline and proc.poll() is None:
                line = proc.stdout.readline() if proc.stdout else ""
                found = re.search(r":(\d+)", line)
                if line.startswith("stackbot-arm-server:") and found:
                    yield ServedArm(int(found.group(1)), proc.pid, Path(log.name))
                    break
            else:
                raise RuntimeError(f"the arm server did not start: {line!r} "
                                   f"{Path(log.name).read_text()[-2000:]}")
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def arm_server(*overrides: str, cwd: Path | None = None) -> Iterator[int]:
    """Start the server with `overrides`; yield its port; stop it."""
    with served_arm(*overrides, cwd=cwd) as served:
        yield served.port


class WireClient:
    """One connection, written and read by hand: requests may be pipelined (`send`) and their
    replies read later (`reply`); `reply` returns None once the server closed the connection."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.stream = self.sock.makefile("rb")
        self._send_lock = threading.Lock()  # whole lines, also from a pinging thread

    def send_line(self, data: bytes) -> None:
        with self._send_lock:
            self.sock.sendall(data + b"\n")

    def send(self, op: str, request_id: int = 1, **args: Any) -> None:
        self.send_line(json.dumps({"id": request_id, "op": op, "args": args}).encode())

    def reply(self) -> dict[str, Any] | None:
        line = self.stream.readline()
        return json.loads(line) if line else None

    def request(self, op: str, request_id: int = 1, **args: Any) -> dict[str, Any]:
        """Send and wait for the reply (replies to other requests still due are skipped)."""
        self.send(op, request_id, **args)
        while True:
            reply = self.reply()
            assert reply is not None, f"the server closed the connection instead of answering {op}"
            if reply.get("id") in (request_id, None):
                return reply

    def authenticate(self, token: str = TOKEN) -> WireClient:
        assert self.request("auth", 0, token=token)["ok"]
        return self

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


_NEVER_AUTHENTICATE = """
import selectors, socket, sys, time
port, n, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
sel, opened = selectors.DefaultSelector(), 0
def open_one():
    global opened
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
    except OSError:
        return
    opened += 1
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
for _ in range(n):
    open_one()
print("held", flush=True)
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    for key, _ in sel.select(0.05):
        try:
            data = key.fileobj.recv(65536)
        except OSError:
            data = b""
        if not data:
            sel.unregister(key.fileobj)
            key.fileobj.close()
    while len(sel.get_map()) < n and time.monotonic() < deadline:
        open_one()
print(opened, flush=True)
"""


@contextmanager
def never_authenticating(port: int, n: int, seconds: float) -> Iterator[Callable[[], int]]:
    """`n` raw TCP connections to the server that never send a byte, each reopened as soon as
    the server closes it, for `seconds`, from a process of their own. Yields a function that
    waits for the end and returns how many connections were opened in all."""
    proc = subprocess.Popen([sys.executable, "-c", _NEVER_AUTHENTICATE, str(port), str(n),
                             str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "held"

        def opened() -> int:
            out, _ = proc.communicate(timeout=seconds + 30)
            return int(out.strip())

        yield opened
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
