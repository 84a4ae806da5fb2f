"""An in-package Robotiq 2F URCap socket server on 127.0.0.1 (the real protocol, no gripper).

`with FakeRobotiq(object_width_m=0.04) as fake:` serves on `fake.port`. Closing on an object
stops at its width and reports OBJ 2; `fake.fault = 7` makes the next move report a fault;
unknown commands are answered with `?` as the URCap does. `log` holds each command with the
time (time.monotonic) it arrived.
"""

from __future__ import annotations

import socketserver
import threading
import time
from typing import Any

VARIABLES = ("ACT", "GTO", "POS", "PRE", "SPE", "FOR", "OBJ", "STA", "FLT")


class FakeRobotiq:
    def __init__(self, object_width_m: float = 0.0, stroke_m: float = 0.085) -> None:
        self.object_width_m, self.stroke_m = object_width_m, stroke_m
        self.values = dict.fromkeys(VARIABLES, 0)
        self.fault = 0
        self.commands: list[str] = []
        self.log: list[tuple[float, str]] = []
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                for line in self.rfile:
                    self.wfile.write(fake.answer(line.decode(errors="replace").strip()).encode()
                                     + b"\n")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def answer(self, line: str) -> str:
        self.commands.append(line)
        self.log.append((time.monotonic(), line))
        words = line.split()
        if len(words) == 2 and words[0] == "GET" and words[1] in VARIABLES:
            return f"{words[1]} {self.values[words[1]]}"
        if len(words) >= 3 and words[0] == "SET" and len(words) % 2 == 1:
            pairs = dict(zip(words[1::2], words[2::2], strict=True))
            if not all(k in VARIABLES and v.isdigit() for k, v in pairs.items()):
                return "?"
            for key, value in pairs.items():
                self._set(key, int(value))
            return "ack"
        return "?"

    def _set(self, key: str, value: int) -> None:
        self.values[key] = value
        if key == "ACT":
            self.values["STA"] = 3 if value else 0
        if key == "POS" and self.values["GTO"] and self.values["STA"] == 3:
            self.values["PRE"] = value
            self.values["FLT"] = self.fault
            blocked = round(255 * (1 - self.object_width_m / self.stroke_m))
            if self.object_width_m > 0 and value > blocked:  # closing onto the object
                self.values["POS"], self.values["OBJ"] = blocked, 2
            else:
                self.values["POS"], self.values["OBJ"] = value, 3

    def __enter__(self) -> FakeRobotiq:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
