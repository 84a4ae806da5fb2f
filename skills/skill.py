"""What a skill is: one class that owns a kind of robot call from option text to effect.

A skill enumerates its admissible calls on a `Scene` (the options the language model scores;
it never writes code that runs), says how feasible each is (its affordance), compiles a chosen
call to motor primitives, and says what the call does to the symbolic model of the table (for
plan success and the scripted planner). The skill set is a Hydra list (`skills:
[pick_and_place]`, one `conf/skills/<name>.yaml` naming each class in `_target_`); see
docs/skills.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from perception.types import Detection, Scene
from skills.motion import CompilerConfig
from skills.relations import SceneGeometry
from skills.symbolic import SymbolicState
from skills.types import Option, Primitive, Verdict

Reach = Callable[[tuple[float, float, float]], bool]
"""Whether the tool can get to a point pointing straight down (the arm's IK)."""


@dataclass(frozen=True)
class AffordanceContext:
    """What an affordance may consult besides the scene: how the scene's relations are read,
    how far from a named location another object must be for it to count as free, and the
    arm's reach (None: assume everything is in reach)."""

    geometry: SceneGeometry
    location_clearance: float
    reach: Reach | None = None

    def reaches(self, *points: tuple[float, float, float]) -> bool:
        return self.reach is None or all(self.reach(point) for point in points)


class Skill(ABC):
    """One kind of robot call; its option texts read `robot.<name>(<arg>, ...)`."""

    name: str
    arity: int

    def option(self, *args: str) -> Option:
        """The option calling this skill on `args` (their text is what the model scores)."""
        if len(args) != self.arity:
            raise ValueError(f"{self.name} takes {self.arity} arguments, got {args}")
        return Option(self.name, tuple(args), f"robot.{self.name}({', '.join(args)})")

    @abstractmethod
    def options(self, scene: Scene) -> list[Option]:
        """Every admissible call on the scene, in a fixed order (the prompt's options)."""

    @abstractmethod
    def afford(self, option: Option, scene: Scene, context: AffordanceContext
               ) -> tuple[float, str]:
        """A value in [0, 1] and, when below 1, why (for the trace)."""

    @abstractmethod
    def compile(self, option: Option, scene: Scene, config: CompilerConfig) -> list[Primitive]:
        """The primitives that carry the call out; positions come from the scene only.
        Raises ValueError for a call that cannot be compiled."""

    def apply(self, option: Option, state: SymbolicState) -> SymbolicState:
        """The call's effect on the symbolic model; a skill that moves nothing keeps it."""
        return state

    def verify(self, option: Option, scene: Scene, geometry: SceneGeometry) -> Verdict:
        """Whether the call's intended effect holds on a perceived scene (after the step, or
        before it: a call whose effect already holds need not run). A skill that changes
        nothing perception can see keeps this default."""
        return Verdict(True, f"{self.name} moves nothing the camera checks", checked=False)

    def moved_after_release(self, option: Option, scene: Scene,
                            released_at: tuple[float, float, float]) -> str:
        """Evidence that what the call let go of at `released_at` was moved afterwards by
        something else (it is seen far from there), or "" (a skill that carries nothing keeps
        this default)."""
        return ""


def blocks_first(scene: Scene) -> list[Detection]:
    """The scene's objects in the options' order: blocks, then bowls, each by name."""
    return sorted(scene.objects, key=lambda o: (o.kind != "block", o.name))
