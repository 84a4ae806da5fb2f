"""The skill sets tests hand the code explicitly (there is no default skill set)."""

from __future__ import annotations

from skills.library.pick_and_place import PICK_AND_PLACE
from skills.skill_set import SkillSet

SKILLS = SkillSet.of([PICK_AND_PLACE])  # pick_and_place alone
FEW_SHOT = SKILLS.prompt_examples()  # a base model's few-shot examples
