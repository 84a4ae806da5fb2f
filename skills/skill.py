"""What a skill is: one class that owns a kind of robot call from option text to effect.

A skill enumerates its admissible calls on a `Scene` (the options the language model scores;
it never writes code that runs), says how feasible each is (its affordance), compiles a chosen
call to motor primitives, says what the call does to the symbolic model of the table (for plan
success and the scripted planner) and to a perceived scene (for demonstrations and roll-outs),
checks that effect on the scene perceived after it, and gives the few-shot examples a base model
is prompted with. Generic code asks the skill set (`skills.skill_set.SkillSet`) and never names a
skill. The skill set is a Hydra list (`skills: [pick_and_place]`, one `conf/skills/<name>.yaml`
naming each class in `_target_`); see docs/skills.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from perception.types import Detection, Scene
from skills.compiler_config import CompilerConfig
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

    def imagine(self, option: Option, scene: Scene) -> Scene:
        """The scene as perception would report it after the call succeeded (demonstrations
        and symbolic roll-outs are made of these); a skill that moves nothing keeps it."""
        return scene

    def verify(self, option: Option, scene: Scene, geometry: SceneGeometry,
               before: Scene | None = None) -> Verdict:
        """Whether the call's intended effect holds on a perceived scene (after the step, or
        before it: a call whose effect already holds need not run); `before`: the scene the
        call was chosen on, for an effect that is a change (None: not known). A skill that
        changes nothing perception can see keeps this default."""
        return Verdict(True, f"{self.name} moves nothing the camera checks", checked=False)

    def moved_after_release(self, option: Option, scene: Scene,
                            released_at: tuple[float, float, float]) -> str:
        """Evidence that what the call let go of at `released_at` was moved afterwards by
        something else (it is seen far from there), or "" (a skill that carries nothing keeps
        this default)."""
        return ""


    def prompt_examples(self) -> tuple[PromptExample, ...]:
        """Worked examples of this skill's calls for a base model's few-shot prompt (none: the
        prompt shows no example of it)."""
        return ()


@dataclass(frozen=True)
class PromptExample:
    """A few-shot example: the objects on the table, the command, the calls that carry it out
    (none: the command cannot be carried out, so done() at once)."""

    objects: tuple[str, ...]
    command: str
    calls: tuple[Option, ...]


def blocks_first(scene: Scene) -> list[Detection]:
    """The scene's objects in the options' order: blocks, then bowls, each by name."""
    return sorted(scene.objects, key=lambda o: (o.kind != "block", o.name))
