"""The PyBullet world: one client, a table at z = 0, blocks and bowls, ground truth."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

import pybullet as p

from perception.types import Detection, Frame, Scene
from sim.camera import Camera
from sim.display import gui_unavailable
from sim.objects import BlockGeometry, BowlGeometry, ObjectFactory, TableGeometry
from sim.scene_gen import SceneSpec, sample_layout
from skills.snapshot import ObjectSizes, Position, WorldSnapshot
from skills.types import ObjectPose
from skills.workspace import Workspace


class World:
    """Owns one PyBullet client. Build it once and `reset(spec)` it for every scene.

    Arms attach to the world (see `sim.arm.SimArmDriver`) and register a reset hook so that a
    reset also sends them home. Step listeners (`add_step_listener`) are told the simulated time
    after every `step` call: recordings sample the motion from them.
    """

    def __init__(
        self,
        gui: bool = False,
        workspace: Workspace | None = None,
        time_step: float = 1 / 240,
        settle_seconds: float = 0.3,
        block_yaw_range: float = 0.2,
        block: BlockGeometry | None = None,
        bowl: BowlGeometry | None = None,
        realtime: bool = False,
    ) -> None:
        self.workspace = workspace or Workspace()
        self.time_step = time_step
        self.settle_seconds = settle_seconds
        self.block_yaw_range = block_yaw_range
        self.block = block or BlockGeometry()
        self.bowl = bowl or BowlGeometry()
        if gui and (problem := gui_unavailable()):
            raise ValueError(problem)
        self.client = p.connect(p.GUI if gui else p.DIRECT)
        p.setGravity(0, 0, -9.81, physicsClientId=self.client)
        p.setTimeStep(time_step, physicsClientId=self.client)
        self._factory = ObjectFactory(self.client, self.block, self.bowl)
        self.table_id = self._factory.create_table(TableGeometry())
        self._bodies: dict[str, int] = {}
        self._reset_hooks: list[Callable[[], None]] = []
        self._step_listeners: list[Callable[[float], None]] = []
        self.spec: SceneSpec | None = None
        self.sim_time = 0.0
        self.realtime = realtime  # pace stepping to the wall clock (for watching in the GUI)
        self._wall_start = time.perf_counter()

    # lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        if self.client >= 0 and p.isConnected(self.client):
            p.disconnect(self.client)
        self.client = -1

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_reset_hook(self, hook: Callable[[], None]) -> None:
        self._reset_hooks.append(hook)

    def add_step_listener(self, listener: Callable[[float], None]) -> Callable[[], None]:
        """`listener(sim_time)` after every `step` call from now on; returns what removes it."""
        self._step_listeners.append(listener)

        def remove() -> None:
            if listener in self._step_listeners:
                self._step_listeners.remove(listener)

        return remove

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            p.stepSimulation(physicsClientId=self.client)
        self.sim_time += n * self.time_step
        for listener in tuple(self._step_listeners):
            listener(self.sim_time)
        if self.realtime:
            ahead = self.sim_time - (time.perf_counter() - self._wall_start)
            if ahead > 0:
                time.sleep(ahead)
            else:
                self._wall_start -= ahead  # fell behind: do not race to catch up

    def reset(
        self, spec: SceneSpec, positions: Mapping[str, tuple[float, float]] | None = None
    ) -> None:
        """Remove the previous objects and place `spec`'s at seeded random (or given) spots."""
        for body in self._bodies.values():
            p.removeBody(body, physicsClientId=self.client)
        self._bodies = {}
        for hook in self._reset_hooks:
            hook()
        radii = {"block": self.block.size / math.sqrt(2), "bowl": self.bowl.outer_radius}
        layout = sample_layout(
            spec, self.workspace, radii, yaw_range=self.block_yaw_range, fixed=dict(positions or {})
        )
        for name, place in layout.items():
            color, kind = name.rsplit(" ", 1)
            if kind == "block":
                body = self._factory.create_block(color, place.x, place.y, place.yaw,
                                                  self._start_height(spec, name))
            else:
                body = self._factory.create_bowl(color, place.x, place.y)
            self._bodies[name] = body
        self.spec = spec
        self.step(max(1, round(self.settle_seconds / self.time_step)))

    def _start_height(self, spec: SceneSpec, block: str) -> float:
        """How far above the table a block starts (0 on the table): on the floor of a bowl
        and one block higher for every block below it (`SceneSpec.start_on`)."""
        chain = spec.support_chain(block)
        bowls = sum(name.endswith(" bowl") for name in chain)
        return (len(chain) - bowls) * self.block.size + bowls * self.bowl.floor_height

    def render(self, camera: Camera) -> Frame:
        """One RGB-D frame of this world from `camera` (a remote world renders on its server)."""
        return camera.render(self.client)

    # ground truth ----------------------------------------------------------------------------
    @property
    def object_names(self) -> tuple[str, ...]:
        return tuple(self._bodies)

    def body_id(self, name: str) -> int:
        if name not in self._bodies:
            raise KeyError(f"no object {name!r} in the world; have {sorted(self._bodies)}")
        return self._bodies[name]

    def name_of(self, body: int) -> str | None:
        return next((n for n, b in self._bodies.items() if b == body), None)

    def object_pose(self, name: str) -> ObjectPose:
        pos, orn = p.getBasePositionAndOrientation(self.body_id(name), physicsClientId=self.client)
        return ObjectPose(tuple(pos), tuple(orn))  # type: ignore[arg-type]

    def object_poses(self) -> dict[str, ObjectPose]:
        return {name: self.object_pose(name) for name in self._bodies}

    def set_object_pose(
        self, name: str, position: tuple[float, float, float], yaw: float = 0.0
    ) -> None:
        """Teleport an object (test and task set-up, a `nudge` fault between steps; never during
        a skill)."""
        orn = p.getQuaternionFromEuler((0.0, 0.0, yaw))
        body = self.body_id(name)
        p.resetBasePositionAndOrientation(body, position, orn, physicsClientId=self.client)
        p.resetBaseVelocity(body, (0, 0, 0), (0, 0, 0), physicsClientId=self.client)

    def snapshot(self, start: Mapping[str, Position] | None = None) -> WorldSnapshot:
        """The table now, for the goal predicates; `start`: where the episode began."""
        positions = {name: pose.position for name, pose in self.object_poses().items()}
        sizes = ObjectSizes(self.block.size, self.bowl.floor_height, self.bowl.top_radius)
        return WorldSnapshot(positions, self.workspace.named_locations(), sizes, dict(start or {}))

    def is_in(self, block: str, bowl: str) -> bool:
        """The goal model's `in` on the table now (see `skills.snapshot.WorldSnapshot`)."""
        return self.snapshot().is_in(block, bowl)

    def is_on(self, top: str, bottom: str) -> bool:
        """The goal model's `on` on the table now."""
        return self.snapshot().is_on(top, bottom)

    def is_at(self, block: str, location: str) -> bool:
        """The goal model's `at` (a named location) on the table now."""
        return self.snapshot().is_at(block, location)

    def oracle_detections(self) -> tuple[Detection, ...]:
        out = []
        for name, pose in self.object_poses().items():
            color, kind = name.rsplit(" ", 1)
            out.append(Detection(color=color, kind=kind, position=pose.position))  # type: ignore[arg-type]
        return tuple(out)

    def oracle_scene(self) -> Scene:
        """The scene an ideal detector would report, with the workspace's named locations."""
        return Scene(objects=self.oracle_detections(), locations=self.workspace.named_locations())
