"""The refusal answer: options the planner can choose, like done(), when the command asks for what
no skill of the set does. Each names the kind of capability missing (`cannot(other action)`:
pour, open, throw, ...; `cannot(other object)`: drawers, lights, cups, ...; `cannot(other
shape)`: circles, pyramids, ...). A refusal ends the episode with nothing moved and one line
saying why, built here from the command's words and the skill set (never from generated text:
the model only chose the option). The skill set offers them only when asked (`refusals`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from skills.types import REFUSAL_SKILL, Option

REFUSAL_KINDS: tuple[str, ...] = ("other action", "other object", "other shape")

# What a command asks for that no skill of pick_and_place, push and point_at does: a pattern of
# its words, and what "no skill ..." says of it. Checked in order; the first match is the reason.
_ACTIONS: tuple[tuple[str, str], ...] = (
    (r"\bpush\w*\b.*\boff\b|\bknock\w*\b.*\boff\b", "pushes anything off the table"),
    (r"\bhand\w*\b|\bgive\b|\bpass\b.*\bme\b", "hands anything over"),
    (r"\bpour\w*\b", "pours"),
    (r"\bopen\w*\b", "opens anything"),
    (r"\bclos(e|es|ing)\b|\bshut\b", "closes anything"),
    (r"\bthrow\w*\b|\btoss\w*\b", "throws"),
    (r"\bhold\w*\b|\bkeep\b.*\bin the air\b", "holds an object in the air"),
    (r"\bwav(e|es|ing)\b", "waves"),
    (r"\bpaint\w*\b|\bcolou?r in\b", "paints"),
    (r"\bfold\w*\b", "folds"),
    (r"\bcut\w*\b|\bslice\w*\b", "cuts"),
    (r"\bturn\w*\b.*\b(on|off)\b|\bswitch\w*\b", "switches anything on or off"),
    (r"\bshak(e|es|ing)\b", "shakes"),
    (r"\bspin\w*\b|\brotat\w*\b", "spins anything"),
    (r"\bwip(e|es|ing)\b|\bclean\w*\b", "cleans"),
    (r"\bsqueez\w*\b|\bcrush\w*\b", "squeezes"),
)
_OBJECTS = ("drawer", "light", "lamp", "cup", "mug", "door", "bottle", "plate", "box", "towel",
            "sponge", "ball", "book", "pen", "glass", "chair", "window", "shelf", "spoon")
_SHAPES = ("circle", "pyramid", "triangle", "square", "ring", "heart", "line", "row", "star",
           "bridge", "cross", "wall", "spiral", "letter")


def refusal_option(kind: str) -> Option:
    """The refusal of one kind, e.g. `cannot(other action)`."""
    if kind not in REFUSAL_KINDS:
        raise ValueError(f"unknown refusal kind {kind!r} (have {', '.join(REFUSAL_KINDS)})")
    return Option(REFUSAL_SKILL, (kind,), f"{REFUSAL_SKILL}({kind})")


REFUSAL_OPTIONS: tuple[Option, ...] = tuple(refusal_option(kind) for kind in REFUSAL_KINDS)


def refusal_reason(command: str, kind: str, skill_names: Sequence[str]) -> str:
    """One line: `cannot: no skill pours (this robot's skills: pick_and_place)`, from the first of
    the command's words no skill does (the kind chosen decides where to look first), else the
    kind in general."""
    text = " ".join(command.lower().split())
    finders = {"other action": _action, "other object": _object, "other shape": _shape}
    order = [kind, *(k for k in REFUSAL_KINDS if k != kind)] if kind in finders else REFUSAL_KINDS
    what = next((found for k in order if (found := finders[k](text))), "")
    if not what:
        what = {"other object": "handles that object", "other shape": "makes that shape"}.get(
            kind, "does that")
    return f"cannot: no skill {what} (this robot's skills: {', '.join(skill_names)})"


def _action(text: str) -> str:
    return next((says for pattern, says in _ACTIONS if re.search(pattern, text)), "")


def _object(text: str) -> str:
    word = next((w for w in _OBJECTS if re.search(rf"\b{w}s?\b", text)), "")
    return f"handles a {word}" if word else ""


def _shape(text: str) -> str:
    word = next((w for w in _SHAPES if re.search(rf"\b{w}s?\b", text)), "")
    return f"makes a {word}" if word else ""
