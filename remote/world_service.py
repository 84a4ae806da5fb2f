"""The simulated world's side of the arm server: scene resets, camera frames, ground truth.

When the simulated arm runs behind `stackbot-arm-server`, the World it moves in lives in the
server's process, so the planner's perception must look at that world: the server renders
frames for the client's camera, resets scenes and answers ground-truth queries (for the oracle
detector, goal checks and tests). `remote.client.RemoteWorld` is the client of these calls.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from remote import protocol as wire
from remote.protocol import ProtocolError

if TYPE_CHECKING:  # the simulator is imported only when a world is served
    from sim.camera import Camera

CHECKS = ("is_in", "is_on", "is_at")


class WorldService:
    """Answers the world ops of the protocol for one `sim.world.World`."""

    def __init__(self, world: Any) -> None:
        self.world = world

    def call(self, op: str, args: dict[str, Any]) -> Any:
        if op == "world_info":
            return {"workspace": asdict(self.world.workspace),
                    "objects": list(self.world.object_names),
                    "sizes": asdict(self.world.snapshot().sizes)}
        if op == "reset":
            return self._reset(args)
        if op == "render":
            return wire.frame_to_json(self.world.render(_camera(args.get("camera"))))
        if op == "oracle":
            return [asdict(d) for d in self.world.oracle_detections()]
        if op == "object_poses":
            return {name: asdict(pose) for name, pose in self.world.object_poses().items()}
        if op == "check":
            return self._check(args)
        raise ProtocolError("BadRequest", f"unknown world op {op!r}")

    def _reset(self, args: dict[str, Any]) -> list[str]:
        scene = args.get("scene")
        if not isinstance(scene, dict) or set(scene) - {"blocks", "bowls", "seed", "start_on"}:
            raise ProtocolError("BadRequest", "scene must be {blocks, bowls, seed[, start_on]}")
        from sim.scene_gen import SceneSpec

        start_on = scene.get("start_on", [])
        if not isinstance(start_on, list) or not all(
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(n, str) for n in pair)
                for pair in start_on):
            raise ProtocolError("BadRequest", "start_on must be a list of [block, support] names")
        spec = SceneSpec(**{**scene, "start_on": tuple(tuple(pair) for pair in start_on)})
        positions = args.get("positions") or {}
        if not isinstance(positions, dict):
            raise ProtocolError("BadRequest", "positions must map object names to [x, y]")
        fixed = {str(k): tuple(wire.numbers({"xy": v}, "xy", 2)) for k, v in positions.items()}
        self.world.reset(spec, positions=fixed or None)
        return list(self.world.object_names)

    def _check(self, args: dict[str, Any]) -> bool:
        name = wire.text(args, "name")
        if name not in CHECKS:
            raise ProtocolError("BadRequest", f"check must be one of {CHECKS}")
        snapshot = self.world.snapshot()  # b: a bowl, a block or a named location
        try:
            return bool(getattr(snapshot, name)(wire.text(args, "a"), wire.text(args, "b")))
        except KeyError as error:
            raise ProtocolError("BadRequest", str(error)) from error


def _camera(data: object) -> Camera:
    from sim.camera import Camera

    if not isinstance(data, dict):
        raise ProtocolError("BadRequest", "render needs the camera's parameters")
    known = {f.name for f in fields(Camera)}
    unknown = set(data) - known
    if unknown:
        raise ProtocolError("BadRequest", f"unknown camera parameters {sorted(unknown)[:5]}")
    if int(data.get("width", 640)) * int(data.get("height", 480)) > 1920 * 1080:
        raise ProtocolError("BadRequest", "camera image too large")
    return Camera(**data)
