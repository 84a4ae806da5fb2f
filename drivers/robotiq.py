"""A Robotiq 2F gripper through the URCap's socket on the UR controller (port 63352).

The protocol is ASCII lines: `SET ACT 1` (answered `ack`), `GET POS` (answered `POS 227`).
Variables: ACT activate, GTO go to, POS/PRE position (0 open .. 255 closed), SPE speed, FOR force,
OBJ object status (0 moving, 1 contact opening, 2 contact closing, 3 arrived), STA activation
status (3 done), FLT fault (0 none).
"""

from __future__ import annotations

import socket
import time

from drivers.base import ArmConnectionError, ArmError, ArmFault, ArmTimeout

OPEN, CLOSED = 0, 255
MOVING, CONTACT_OPENING, CONTACT_CLOSING, ARRIVED = 0, 1, 2, 3


class RobotiqGripper:
    def __init__(self, host: str, port: int = 63352, timeout: float = 2.0,
                 stroke_m: float = 0.085, speed: int = 255, force: int = 100) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.stroke_m, self.speed, self.force = stroke_m, speed, force
        self._sock: socket.socket | None = None

    def connect(self, activate_timeout: float = 5.0) -> None:
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as error:
            raise ArmConnectionError(f"cannot reach the Robotiq gripper at {self.host}:"
                                     f"{self.port}: {error}") from error
        if self.get("STA") != 3:
            self.set(ACT=1)
            deadline = time.monotonic() + activate_timeout
            while self.get("STA") != 3:
                if time.monotonic() > deadline:
                    raise ArmTimeout("the Robotiq gripper did not finish activating")
                time.sleep(0.01)
        self.set(GTO=1, SPE=self.speed, FOR=self.force)

    def close_connection(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def move(self, position: int, timeout: float = 5.0) -> int:
        """Go to `position` (0..255); return the object status once it stops."""
        self.set(POS=max(OPEN, min(CLOSED, position)))
        deadline = time.monotonic() + timeout
        while self.get("PRE") != position:  # the echo: the request was taken
            if time.monotonic() > deadline:
                raise ArmTimeout("the Robotiq gripper did not take the position request")
        while (status := self.get("OBJ")) == MOVING:
            if time.monotonic() > deadline:
                raise ArmTimeout("the Robotiq gripper did not stop moving")
            time.sleep(0.005)
        fault = self.get("FLT")
        if fault:
            raise ArmFault(f"the Robotiq gripper reports fault {fault:02d}")
        return status

    def width(self) -> float:
        return self.stroke_m * (1 - self.get("POS") / CLOSED)

    def set(self, **values: int) -> None:
        command = "SET " + " ".join(f"{k} {int(v)}" for k, v in values.items())
        reply = self._exchange(command)
        if reply != "ack":
            raise ArmError(f"the Robotiq gripper answered {reply!r} to {command!r}")

    def get(self, variable: str) -> int:
        reply = self._exchange(f"GET {variable}")
        name, _, value = reply.partition(" ")
        if name != variable or not value.strip().isdigit():
            raise ArmError(f"the Robotiq gripper answered {reply!r} to GET {variable}")
        return int(value)

    def _exchange(self, command: str) -> str:
        if self._sock is None:
            raise ArmConnectionError("the Robotiq gripper is not connected")
        try:
            self._sock.sendall(command.encode() + b"\n")
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = self._sock.recv(1024)
                if not chunk:
                    raise ArmConnectionError("the Robotiq gripper closed the connection")
                reply += chunk
        except OSError as error:
            raise ArmConnectionError(f"lost the Robotiq gripper: {error}") from error
        return reply.decode(errors="replace").strip()
