"""The skills a robot has, and every question asked of "the skill behind this option".

The composition root builds the set from the config's `skills` list and hands it to whoever
needs it (there is no default set). `done()` is no skill: it is always offered last, compiles
to nothing and changes nothing. Nor are the refusals (`cannot(other action)`, ...;
`skills/refusal.py`), offered before done() when the set is built with `refusals`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from perception.types import Scene
from skills.compiler_config import CompilerConfig
from skills.refusal import REFUSAL_OPTIONS
from skills.relations import SceneGeometry
from skills.skill import AffordanceContext, PromptExample, Skill
from skills.symbolic import SymbolicState
from skills.types import DONE_SKILL, Option, Primitive, Verdict

DONE_OPTION = Option(DONE_SKILL, (), "done()")


@dataclass(frozen=True)
class SkillSet:
    """Skills in the order their options are offered; `refusals`: the refusal options too."""

    skills: tuple[Skill, ...]
    refusals: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", tuple(self.skills))
        names = [skill.name for skill in self.skills]
        if not names:
            raise ValueError("a skill set needs at least one skill")
        if len(set(names)) != len(names) or DONE_SKILL in names:
            raise ValueError(f"skill names must be distinct and not {DONE_SKILL!r}: {names}")

    @classmethod
    def of(cls, skills: Iterable[Skill], refusals: bool = False) -> SkillSet:
        return cls(tuple(skills), refusals)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(skill.name for skill in self.skills)

    def skill_for(self, option: Option) -> Skill | None:
        """The skill the option calls, if this set has it and the arguments fit."""
        skill = next((s for s in self.skills if s.name == option.skill), None)
        return skill if skill is not None and len(option.args) == skill.arity else None

    def options(self, scene: Scene) -> list[Option]:
        """Every skill's options in the set's order, the refusals (with `refusals`), then
        done()."""
        return [*(option for skill in self.skills for option in skill.options(scene)),
                *(REFUSAL_OPTIONS if self.refusals else ()), DONE_OPTION]

    def afford(self, option: Option, scene: Scene, context: AffordanceContext
               ) -> tuple[float, str]:
        if option.is_refusal and self.refusals:
            return 1.0, ""
        skill = self.skill_for(option)
        if skill is None:
            return 0.0, f"unknown skill call {option.text}"
        return skill.afford(option, scene, context)

    def compile(self, option: Option, scene: Scene, config: CompilerConfig) -> list[Primitive]:
        if option.is_done or option.is_refusal:
            return []
        skill = next((s for s in self.skills if s.name == option.skill), None)
        if skill is None:
            raise ValueError(f"cannot compile unknown skill {option.skill!r}")
        return skill.compile(option, scene, config)

    def verify(self, option: Option, scene: Scene, geometry: SceneGeometry,
               before: Scene | None = None) -> Verdict:
        """The skill's check of the call's effect on a perceived scene (`before`: the scene
        it was chosen on)."""
        skill = self.skill_for(option)
        if skill is None:
            return Verdict(False, f"unknown skill call {option.text}")
        return skill.verify(option, scene, geometry, before)

    def imagine(self, option: Option, scene: Scene) -> Scene:
        """The scene after the call succeeded; done() and unknown calls change nothing."""
        skill = self.skill_for(option)
        return scene if skill is None else skill.imagine(option, scene)

    def moved_after_release(self, option: Option, scene: Scene,
                            released_at: tuple[float, float, float]) -> str:
        skill = self.skill_for(option)
        return "" if skill is None else skill.moved_after_release(option, scene, released_at)

    def apply(self, state: SymbolicState, options: Sequence[Option]) -> SymbolicState:
        """The symbolic state after the options' effects, in order; done() and calls of
        skills the set lacks change nothing."""
        for option in options:
            skill = self.skill_for(option)
            if skill is not None:
                state = skill.apply(option, state)
        return state

    def trajectory(self, state: SymbolicState, options: Sequence[Option]
                   ) -> list[SymbolicState]:
        """The symbolic state at first and after each option's effect, in order (for goals
        judged along the way: `skills.goals.unmet_along`)."""
        states = [state]
        for option in options:
            states.append(self.apply(states[-1], [option]))
        return states

    def moved_by(self, option: Option, blocks: Iterable[str]) -> frozenset[str]:
        """The blocks the call moves, by its symbolic effect with every block on the table."""
        return self.apply(SymbolicState.initial(blocks), [option]).moved

    def makes(self, option: Option, block: str, target: str) -> bool:
        """Whether the call's symbolic effect puts `block`, free on the table, on `target` (the
        move a goal asks for; whether the block is covered now is the affordance's business)."""
        return self.apply(SymbolicState.initial([block]), [option]).is_on(block, target)

    def call_for(self, scene: Scene, block: str, target: str) -> Option | None:
        """The first call offered on the scene that makes the move."""
        return next((o for o in self.options(scene) if self.makes(o, block, target)), None)

    def prompt_examples(self) -> tuple[PromptExample, ...]:
        """Every skill's few-shot examples, in the set's order."""
        return tuple(example for skill in self.skills for example in skill.prompt_examples())
