"""`robot.point_at(object)`: the tool hovers above an object, a gesture a person can see, and
comes back. Nothing on the table moves.

An example of a skill that is a plugin: this module and `conf/skills/point_at.yaml` are all
of it (`stackbot skills=[pick_and_place,point_at] ...`); see docs/skills.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from perception.types import Scene
from skills.compiler_config import CompilerConfig, top_down
from skills.skill import AffordanceContext, Skill, blocks_first
from skills.types import Option, Primitive


@dataclass(frozen=True)
class PointAt(Skill):
    """hover_height: the tool point's height above the object's position (a block's centre,
    a bowl's base), clear of a block's top and a bowl's rim."""

    hover_height: float = 0.08

    name = "point_at"
    arity = 1

    def __post_init__(self) -> None:
        if self.hover_height <= 0.04:
            raise ValueError(f"hover_height {self.hover_height} would touch the object")

    def options(self, scene: Scene) -> list[Option]:
        return [self.option(obj.name) for obj in blocks_first(scene)]

    def afford(self, option: Option, scene: Scene, context: AffordanceContext
               ) -> tuple[float, str]:
        obj = scene.get(option.args[0])
        if obj is None:
            return 0.0, f"no {option.args[0]} is seen"
        x, y, z = obj.position
        if not context.reaches((x, y, z + self.hover_height)):
            return 0.0, "out of reach"
        return obj.confidence, ""

    def compile(self, option: Option, scene: Scene, config: CompilerConfig) -> list[Primitive]:
        obj = scene.get(option.args[0])
        if obj is None:
            raise ValueError(f"unknown object {option.args[0]!r}; the scene has "
                             f"{[o.name for o in scene.objects]}")
        x, y, z = obj.position
        hover = z + self.hover_height
        travel = max(config.travel_height, hover)
        yaw = config.grasp_yaw
        prims = [
            Primitive("approach", "move_linear", pose=top_down(x, y, travel, yaw)),
            Primitive("point", "move_linear", pose=top_down(x, y, hover, yaw)),
            Primitive("retreat", "move_linear", pose=top_down(x, y, travel, yaw)),
        ]
        if config.return_home:
            prims.append(Primitive("home", "home"))
        return prims
