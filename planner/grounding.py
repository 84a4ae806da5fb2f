"""Instruction grounding: which objects the instruction names that the scene does not hold.

The planner ends the plan at once (done(), with the reason traced) when an instruction names an
object that is not seen: no skill call may be chosen on behalf of an object that is not there.
"""

from __future__ import annotations

import re

from perception.types import COLOR_NAMES, Scene

_KIND_WORDS = {"block": "block", "blocks": "block", "cube": "block", "cubes": "block",
               "bowl": "bowl", "bowls": "bowl"}
_PRONOUNS = ("one", "ones")  # "the pink one": a colour the scene has, of any kind
_MENTION = re.compile(
    r"\b(" + "|".join(COLOR_NAMES) + r")\s+(" + "|".join(_KIND_WORDS) + r")\b"
)


def mentioned_objects(instruction: str) -> list[str]:
    """Object names (`<colour> <kind>`) the instruction refers to, in order, without repeats."""
    found = _MENTION.findall(instruction.lower())
    names = [f"{color} {_KIND_WORDS[kind]}" for color, kind in found]
    return list(dict.fromkeys(names))


def spelt_as_seen(instruction: str, scene: Scene) -> str:
    """The instruction with each object name misspelt by one slip of the hand ("pnik bowl",
    "bleu blok", "grey bowl") spelt as the scene's object of that kind is: a colour word is
    corrected only when exactly one of the scene's objects of the kind after it is within one
    slip ("one" standing for any kind), and a kind word only when it is within one slip of
    exactly one kind word ("blocsk" is left: "block" and "blocks" both are)."""
    words = list(re.finditer(r"[A-Za-z]+", instruction))
    fixes: dict[int, tuple[int, int, str]] = {}
    for colour, kind in zip(words, words[1:], strict=False):
        if instruction[colour.end():kind.start()].strip():
            continue
        if kind.group().lower() in _PRONOUNS:
            colours = sorted({o.color for o in scene.objects})
        elif (kind_word := _closest(kind.group().lower(), list(_KIND_WORDS))) is not None:
            if kind_word != kind.group().lower():
                fixes[kind.start()] = (kind.start(), kind.end(), kind_word)
            colours = sorted({o.color for o in scene.objects
                              if o.kind == _KIND_WORDS[kind_word]})
        else:
            continue
        typed = colour.group().lower()
        if typed in COLOR_NAMES:
            continue  # a colour, spelt right: an object the scene may not hold, for grounding
        if (seen := _closest(typed, colours)) is not None and seen != typed:
            fixes[colour.start()] = (colour.start(), colour.end(), seen)
    for begin, finish, word in sorted(fixes.values(), reverse=True):
        instruction = instruction[:begin] + word + instruction[finish:]
    return instruction


def _closest(typed: str, words: list[str]) -> str | None:
    """`typed` itself when it is one of `words`, else the one word within one slip of it (none
    when no word or several are)."""
    if typed in words:
        return typed
    near = [word for word in words if _one_slip(typed, word)]
    return near[0] if len(near) == 1 else None


def _one_slip(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with one letter dropped, added, changed, or two neighbours
    swapped (and is not `word` itself)."""
    if typed == word or abs(len(typed) - len(word)) > 1 or min(len(typed), len(word)) < 2:
        return False
    if len(typed) == len(word):
        differ = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
        return len(differ) == 1 or (len(differ) == 2 and differ[1] == differ[0] + 1
                                    and typed[differ[0]] == word[differ[1]]
                                    and typed[differ[1]] == word[differ[0]])
    short, long = sorted((typed, word), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def ungrounded_mentions(instruction: str, scene: Scene) -> list[str]:
    """Objects the instruction names that the scene does not contain."""
    seen = {obj.name for obj in scene.objects}
    return [name for name in mentioned_objects(instruction) if name not in seen]
