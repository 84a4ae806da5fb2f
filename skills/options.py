"""Every admissible skill call on a scene, and the affordance of each (what the robot can do)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from perception.types import Detection, Scene
from skills.relations import BLOCK_SIZE, SceneGeometry, horizontal
from skills.types import DONE_SKILL, AffordedOption, Option

PICK_AND_PLACE = "pick_and_place"

Reach = Callable[[tuple[float, float, float]], bool]


def pick_and_place_option(obj: str, target: str) -> Option:
    return Option(PICK_AND_PLACE, (obj, target), f"robot.pick_and_place({obj}, {target})")


DONE_OPTION = Option(DONE_SKILL, (), "done()")


def enumerate_options(scene: Scene) -> list[Option]:
    """pick_and_place(block, target) for every seen block and every other object or named
    location, then done(). Deterministic order: the scene's prompt order."""
    objects = sorted(scene.objects, key=lambda o: (o.kind != "block", o.name))
    targets = [o.name for o in objects] + list(scene.locations)
    options = [
        pick_and_place_option(block.name, target)
        for block in objects if block.kind == "block"
        for target in targets if target != block.name
    ]
    return [*options, DONE_OPTION]


@dataclass(frozen=True)
class AffordanceModel:
    """Scores in [0, 1] how feasible an option is on the current scene.

    done_prior: the affordance of done(). location_clearance: a named location counts as occupied
    when another object's centre is closer than this (metres). stack_tolerance: horizontal distance
    within which one block counts as resting on another.
    """

    done_prior: float = 1.0
    location_clearance: float = 0.06
    stack_tolerance: float = 0.03
    bowl_radius: float = 0.06

    def __post_init__(self) -> None:
        if not 0.0 <= self.done_prior <= 1.0:
            raise ValueError(f"done_prior must be in [0, 1], got {self.done_prior}")

    @property
    def geometry(self) -> SceneGeometry:
        return SceneGeometry(stack_tolerance=self.stack_tolerance, bowl_radius=self.bowl_radius)

    def afford(
        self, options: list[Option], scene: Scene, reach: Reach | None = None
    ) -> list[AffordedOption]:
        return [self._afford_one(option, scene, reach) for option in options]

    def _afford_one(self, option: Option, scene: Scene, reach: Reach | None) -> AffordedOption:
        if option.is_done:
            return AffordedOption(option, self.done_prior)
        if option.skill != PICK_AND_PLACE or len(option.args) != 2:
            return AffordedOption(option, 0.0, f"unknown skill call {option.text}")
        value, reason = self._pick_and_place(*option.args, scene=scene, reach=reach)
        return AffordedOption(option, value, reason)

    def _pick_and_place(
        self, obj_name: str, target_name: str, scene: Scene, reach: Reach | None
    ) -> tuple[float, str]:
        obj = scene.get(obj_name)
        if obj is None or obj.kind != "block":
            return 0.0, f"no {obj_name} is seen"
        if self._block_on_top_of(obj, scene) is not None:
            return 0.0, f"something is on top of the {obj_name}"
        target = scene.get(target_name)
        if target is not None:
            return self._onto_object(obj, target, scene, reach)
        if target_name in scene.locations:
            return self._onto_location(obj, target_name, scene, reach)
        return 0.0, f"no {target_name} is seen"

    def _onto_object(
        self, obj: Detection, target: Detection, scene: Scene, reach: Reach | None
    ) -> tuple[float, str]:
        if target.name == obj.name:
            return 0.0, "object and target are the same"
        if target.kind == "block":
            if self._block_on_top_of(target, scene) is not None:
                return 0.0, f"the {target.name} is covered"
            if horizontal(obj, target.position) < self.stack_tolerance:
                return 0.0, f"the {obj.name} is already on the {target.name}"
        elif horizontal(obj, target.position) < self.bowl_radius:
            return 0.0, f"the {obj.name} is already in the {target.name}"
        if reach is not None and not (reach(obj.position) and reach(target.position)):
            return 0.0, "out of reach"
        return min(obj.confidence, target.confidence), ""

    def _onto_location(
        self, obj: Detection, location: str, scene: Scene, reach: Reach | None
    ) -> tuple[float, str]:
        x, y = scene.locations[location]
        if horizontal(obj, (x, y)) < self.location_clearance:
            return 0.0, f"the {obj.name} is already at the {location}"
        for other in scene.objects:
            if other.name != obj.name and horizontal(other, (x, y)) < self.location_clearance:
                return 0.0, f"the {location} is occupied by the {other.name}"
        if reach is not None and not (reach(obj.position) and reach((x, y, BLOCK_SIZE / 2))):
            return 0.0, "out of reach"
        return obj.confidence, ""

    def _block_on_top_of(self, block: Detection, scene: Scene) -> Detection | None:
        return self.geometry.block_on_top(block, scene)
