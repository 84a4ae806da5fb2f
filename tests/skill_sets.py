"""The skill sets tests hand the code explicitly (there is no default skill set)."""

from __future__ import annotations

from skills.library.pick_and_place import PICK_AND_PLACE, PickAndPlace
from skills.places import Places
from skills.skill_set import SkillSet

SKILLS = SkillSet.of([PICK_AND_PLACE])  # pick_and_place alone, objects and named locations
FEW_SHOT = SKILLS.prompt_examples()  # a base model's few-shot examples
# pick_and_place with every kind of place, as conf/skills/pick_and_place.yaml has it
WITH_PLACES = SkillSet.of([PickAndPlace(places=Places(beside=True, lines=True, starts=True))])
