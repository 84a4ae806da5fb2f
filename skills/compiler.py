"""The compiler: a chosen step -> the motor primitives that carry it out, by the step's skill.

Each skill compiles its own calls (`skills.skill.Skill.compile`); this module is the entry point
the agent uses, with the heights and clearances of `CompilerConfig`.
"""

from __future__ import annotations

from perception.types import Scene
from skills.compiler_config import CompilerConfig
from skills.skill_set import SkillSet
from skills.types import Primitive, Step

__all__ = ["CompilerConfig", "compile_step"]


def compile_step(step: Step, scene: Scene, config: CompilerConfig,
                 skills: SkillSet) -> list[Primitive]:
    """Primitives for `step`; `done` compiles to none. Raises ValueError for an unknown skill,
    object or target."""
    return skills.compile(step.option, scene, config)
