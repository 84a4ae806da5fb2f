"""What each request of the arm protocol does to the driver (and the simulated world behind it).

Which ops exist, who may send them and where they run; `run_op` turns one checked request into
a driver call. The server (`drivers.arm_server`) decides when.
"""

from __future__ import annotations

from typing import Any

from drivers import protocol as wire
from drivers.protocol import ProtocolError
from drivers.world_service import WorldService
from skills.driver import ArmDriver

IMMEDIATE = {"ping", "claim", "release"}  # answered on the event loop
STOPS = {"stop", "emergency_stop"}  # the stop lane
READS = {"info", "get_state"}  # the read lane
ANYONE = IMMEDIATE | STOPS | READS | {
    "is_reachable", "render", "oracle", "object_poses", "check", "world_info"}
CONTROLLER = {"move_joints", "move_linear", "wait", "gripper_open", "gripper_close",
              "clear_fault", "set_speed_scale", "reset"}  # cancelled by a stop while queued


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
