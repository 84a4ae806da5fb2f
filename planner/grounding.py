"""Instruction grounding: which objects the instruction names that the scene does not hold.

The planner ends the plan at once (done(), with the reason traced) when an instruction names an
object that is not seen: no skill call may be chosen on behalf of an object that is not there.
"""

from __future__ import annotations

import re

from perception.types import COLOR_NAMES, Scene

_KIND_WORDS = {"block": "block", "blocks": "block", "cube": "block", "cubes": "block",
               "bowl": "bowl", "bowls": "bowl"}
_MENTION = re.compile(
    r"\b(" + "|".join(COLOR_NAMES) + r")\s+(" + "|".join(_KIND_WORDS) + r")\b"
)


def mentioned_objects(instruction: str) -> list[str]:
    """Object names (`<colour> <kind>`) the instruction refers to, in order, without repeats."""
    found = _MENTION.findall(instruction.lower())
    names = [f"{color} {_KIND_WORDS[kind]}" for color, kind in found]
    return list(dict.fromkeys(names))


def ungrounded_mentions(instruction: str, scene: Scene) -> list[str]:
    """Objects the instruction names that the scene does not contain."""
    seen = {obj.name for obj in scene.objects}
    return [name for name in mentioned_objects(instruction) if name not in seen]
