"""What each request of the arm protocol does to the driver (and the simulated world behind it).

Which ops exist, who may send them and on which lane they run (`remote.lanes`); the
`Dispatcher` turns one checked request into a driver or world call on its lane and its outcome
into a reply. The server (`remote.server`) decides who may send what, and when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from drivers import ArmDriver, ArmError
from remote import protocol as wire
from remote.lanes import Lanes, StopKind
from remote.protocol import ProtocolError
from remote.world_service import WorldService

log = logging.getLogger(__name__)

IMMEDIATE = {"ping", "claim", "release"}  # answered on the event loop
STOPS = {"stop", "emergency_stop"}  # the stop lane
READS = {"info", "get_state"}  # the read lane
ANYONE = IMMEDIATE | STOPS | READS | {
    "is_reachable", "render", "oracle", "object_poses", "check", "world_info"}
CONTROLLER = {"move_joints", "move_linear", "wait", "gripper_open", "gripper_close",
              "clear_fault", "set_speed_scale", "reset"}  # cancelled by a stop while queued
KNOWN = ANYONE | CONTROLLER


class Dispatcher:
    """Runs the lane requests of one driver (and its world, if it has one) and stops it."""

    def __init__(self, driver: ArmDriver, world: Any = None) -> None:
        self.driver = driver
        self.world = WorldService(world) if world is not None else None
        self.lanes = Lanes(driver)

    async def stop(self, kind: StopKind = "stop") -> None:
        """Close the gate on every command queued so far and stop the arm (see arm_lanes)."""
        await self.lanes.stop(kind)

    async def reply(self, request: wire.Request,
                    still_allowed: Callable[[], bool]) -> dict[str, Any]:
        """Run `request` on its lane and return its reply. A controller's command takes its
        ticket now (a stop that comes while it waits cancels it) and asks `still_allowed()` on
        the lane, right before the call (its sender may have released control meanwhile)."""
        op, args = request.op, request.args

        def call() -> Any:
            if op in CONTROLLER and not still_allowed():
                raise ProtocolError("Busy", f"{op} cancelled: this connection no longer "
                                    "controls the arm")
            return run_op(self.driver, self.world, op, args)

        try:
            if op in READS:
                result = await self.lanes.read(call)
            else:
                ticket = self.lanes.gate.ticket() if op in CONTROLLER else None
                result = await self.lanes.motion(ticket, op, call)
            return {"id": request.id, "ok": True, "result": result}
        except ProtocolError as error:
            return wire.error_reply(request.id, error.kind, str(error))
        except ArmError as error:
            return wire.error_reply(request.id, type(error).__name__, str(error))
        except (ValueError, TypeError, KeyError, OverflowError) as error:
            return wire.error_reply(request.id, "BadRequest", f"{type(error).__name__}: {error}")
        except Exception as error:  # never let a client's request take the server down
            log.exception("%s failed", op)
            return wire.error_reply(request.id, "ServerError", f"{type(error).__name__}: {error}")

    def shutdown(self) -> None:
        self.lanes.shutdown()


def run_op(arm: ArmDriver, world: WorldService | None, op: str, args: dict[str, Any]) -> Any:
    """Run one request on the calling thread (a lane)."""
    n = wire.number
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
    if world is None:
        raise ProtocolError("BadRequest", f"{op}: this server has no simulated world")
    return world.call(op, args)
