"""Every admissible skill call on a scene, and the affordance of each (what the robot can do).

Each skill enumerates its own calls and judges them (`skills.skill.Skill`); this module asks the
skill set it is handed.
"""

from __future__ import annotations

from dataclasses import dataclass

from perception.types import Scene
from skills.relations import SceneGeometry
from skills.skill import AffordanceContext, Reach
from skills.skill_set import DONE_OPTION, SkillSet
from skills.tolerances import STACK_TOLERANCE
from skills.types import AffordedOption, Option

__all__ = ["DONE_OPTION", "AffordanceModel", "Reach", "enumerate_options"]


def enumerate_options(scene: Scene, skills: SkillSet) -> list[Option]:
    """Every skill's calls in the skill set's order, then done()."""
    return skills.options(scene)


@dataclass(frozen=True)
class AffordanceModel:
    """Scores in [0, 1] how feasible an option is on the current scene.

    done_prior: the affordance of done(). location_clearance: a named location counts as occupied
    when another object's centre is closer than this (metres). stack_tolerance: horizontal distance
    within which one block counts as resting on another.
    """

    done_prior: float = 1.0
    location_clearance: float = 0.06
    stack_tolerance: float = STACK_TOLERANCE

    def __post_init__(self) -> None:
        if not 0.0 <= self.done_prior <= 1.0:
            raise ValueError(f"done_prior must be in [0, 1], got {self.done_prior}")

    @property
    def geometry(self) -> SceneGeometry:
        return SceneGeometry(stack_tolerance=self.stack_tolerance)

    def afford(
        self, options: list[Option], scene: Scene, *, skills: SkillSet,
        reach: Reach | None = None,
    ) -> list[AffordedOption]:
        context = AffordanceContext(self.geometry, self.location_clearance, reach)
        return [AffordedOption(option, self.done_prior) if option.is_done
                else AffordedOption(option, *skills.afford(option, scene, context))
                for option in options]
