"""Where things are, as prompt lines a small model can copy from rather than compute.

A spatial reference ("the second block from the right", "the block closest to the blue bowl",
"the block to the left of the blue bowl", "the corner farthest from the blue bowl") is resolved
on the scene of the command, so these lines follow the episode's first objects line:

    blocks from the left = [green block, red block, yellow block]
    blocks from the right = [yellow block, red block, green block]
    blocks from the top = [red block, yellow block, green block]
    blocks from the bottom = [green block, yellow block, red block]
    blue bowl: left [green block], right [red block, yellow block], top [red block], bottom [], \
        closest red block, farthest green block, closest corner top left corner, \
        farthest corner bottom right corner   (one line)

The phrases form (`describe_space_phrases`, the transcript-v3 prompt) says the same in the
commands' own words, one relation a line, so that the words after a reference are what to copy:

    blocks from the left: first green block, second red block, third yellow block
    ... (from the right, the top, the bottom)
    block to the left of the blue bowl: green block
    block to the right of the blue bowl: red block, yellow block
    block to the top of the blue bowl: red block
    block to the bottom of the blue bowl: green block
    block closest to the blue bowl: red block
    block farthest from the blue bowl: green block
    corner closest to the blue bowl: top left corner
    corner farthest from the blue bowl: bottom right corner

(a side with nothing on it has no line). The keyed form (`describe_space_keyed`, the
transcript-v4 prompt) writes every ordinal as the reference a command makes, one a line, so
that the command's own words find the line to copy from; and of the bowls it keeps only those the
command names (no bowl line when it names none):

    first block from the left: green block
    second block from the left: red block
    ... (every ordinal from every side)
    block to the left of the blue bowl: green block
    ... (the named bowls' relations, as in the phrases form)

The asked form (`describe_space_asked`, the transcript-v5 prompt) keeps of the keyed form's lines
only those the command asks about: an ordinal line when the command says its ordinal and "from
the <side>" ("counting from the bottom, take the third block" -> `third block from the bottom:
...`), a bowl's side line when it says "to the <side> of the <bowl>", a named bowl's closest
(farthest) lines when it says closest or nearest (farthest or furthest). A reference the adapter
was never taught then finds one line to copy from, not one among the lines of the references it
was taught; a command without a spatial reference has no spatial lines.

Every ordering is written out in both directions
(copying the third name of a list, not counting from the end of another), and each bowl lists
what lies to each side of it. Top is away from the robot (+x), left is the robot's left (+y),
as the camera image reads. Positions are perceived ones; an object within `SIDE_MARGIN` of a
bowl's centre line along an axis lies on neither side of it along that axis.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence

from perception.types import Detection, Scene
from skills.places import CORNERS

SIDE_MARGIN = 0.02  # metres
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth")
DIRECTIONS = {"left": (1, 1.0), "right": (1, -1.0), "top": (0, 1.0), "bottom": (0, -1.0)}
DISTANCE_WORDS = {"closest": ("closest", "nearest"), "farthest": ("farthest", "furthest")}


def _names(objects: Sequence[Detection]) -> str:
    return f"[{', '.join(o.name for o in objects)}]"


def _sorted(blocks: Sequence[Detection], axis: int, sign: float) -> list[Detection]:
    """Largest `sign * coordinate` first; ties by name (deterministic)."""
    return sorted(blocks, key=lambda o: (-sign * o.position[axis], o.name))


def _from_each_side(scene: Scene) -> dict[str, list[Detection]]:
    """The blocks from the left, right, top and bottom of the table (none: empty)."""
    if not scene.blocks:
        return {}
    return {direction: _sorted(scene.blocks, axis, sign)
            for direction, (axis, sign) in DIRECTIONS.items()}


def orderings(scene: Scene) -> list[str]:
    """The blocks from the left, right, top and bottom of the table."""
    return [f"blocks from the {direction} = {_names(blocks)}"
            for direction, blocks in _from_each_side(scene).items()]


def _sides(bowl: Detection, blocks: Sequence[Detection]) -> dict[str, list[Detection]]:
    """The blocks to each side of a bowl, nearest first."""
    return {direction: [b for b in _sorted(blocks, axis, -sign)
                        if sign * (b.position[axis] - bowl.position[axis]) > SIDE_MARGIN]
            for direction, (axis, sign) in DIRECTIONS.items()}


def _by_distance(bowl: Detection, scene: Scene) -> tuple[list[Detection], list[str]]:
    """The blocks, then the corners, nearest the bowl first."""
    centre = bowl.position[:2]
    blocks = sorted(scene.blocks, key=lambda b: (math.dist(b.position[:2], centre), b.name))
    corners = sorted((c for c in CORNERS if c in scene.locations),
                     key=lambda c: math.dist(scene.locations[c], centre))
    return blocks, corners


def around(bowl: Detection, scene: Scene) -> str:
    """What lies to each side of a bowl, its closest and farthest block, and its closest and
    farthest corner."""
    parts = [f"{side} {_names(found)}" for side, found in _sides(bowl, scene.blocks).items()]
    blocks, corners = _by_distance(bowl, scene)
    if blocks:
        parts += [f"closest {blocks[0].name}", f"farthest {blocks[-1].name}"]
    if corners:
        parts += [f"closest corner {corners[0]}", f"farthest corner {corners[-1]}"]
    return f"{bowl.name}: {', '.join(parts)}"


def ordinal_orderings(scene: Scene) -> list[str]:
    """The blocks from each side of the table, each named with its ordinal."""
    return [f"blocks from the {direction}: " + ", ".join(
                f"{ORDINALS[i]} {block.name}" if i < len(ORDINALS) else block.name
                for i, block in enumerate(blocks))
            for direction, blocks in _from_each_side(scene).items()]


def around_phrases(bowl: Detection, scene: Scene) -> list[str]:
    """`around` one relation a line, in the commands' words."""
    lines = [f"block to the {side} of the {bowl.name}: {', '.join(b.name for b in found)}"
             for side, found in _sides(bowl, scene.blocks).items() if found]
    blocks, corners = _by_distance(bowl, scene)
    if blocks:
        lines += [f"block closest to the {bowl.name}: {blocks[0].name}",
                  f"block farthest from the {bowl.name}: {blocks[-1].name}"]
    if corners:
        lines += [f"corner closest to the {bowl.name}: {corners[0]}",
                  f"corner farthest from the {bowl.name}: {corners[-1]}"]
    return lines


def keyed_orderings(scene: Scene) -> list[str]:
    """'<ordinal> block from the <side>: <block>' for every side, then every ordinal."""
    return [f"{ORDINALS[i]} block from the {direction}: {block.name}"
            for direction, blocks in _from_each_side(scene).items()
            for i, block in enumerate(blocks[:len(ORDINALS)])]


def _bowls(scene: Scene, named: Collection[str] | None = None) -> list[Detection]:
    """The scene's bowls in prompt order; with `named`, only those it names."""
    return [o for o in scene.ordered()
            if o.kind == "bowl" and (named is None or o.name in named)]


def describe_space(scene: Scene, named: Collection[str] = (), command: str = "") -> list[str]:
    """The prompt lines above, for the scene's blocks and each bowl in prompt order
    (`named` and `command` are not used: every form takes the names the command uses and the
    command)."""
    return orderings(scene) + [around(bowl, scene) for bowl in _bowls(scene)]


def describe_space_phrases(scene: Scene, named: Collection[str] = (), command: str = ""
                           ) -> list[str]:
    """The phrases form: the ordinal orderings, then each bowl's relations a line each
    (`named` and `command` are not used)."""
    return ordinal_orderings(scene) + [line for bowl in _bowls(scene)
                                       for line in around_phrases(bowl, scene)]


def describe_space_keyed(scene: Scene, named: Collection[str] = (), command: str = ""
                         ) -> list[str]:
    """The keyed form: every ordinal a line, then the relations of the bowls the command names
    (`named`: object names; `command` is not used)."""
    return keyed_orderings(scene) + [line for bowl in _bowls(scene, named)
                                     for line in around_phrases(bowl, scene)]


def _asked(line: str, command: str, words: set[str]) -> bool:
    """Whether a keyed-form line is one the command (`words`: its words) asks about: its
    ordinal and "from the <side>", or "to the <side> of the <bowl>", or its distance word (or
    one meaning the same)."""
    key = line.split(":", 1)[0]
    first, _, rest = key.partition(" block from the ")
    if rest:
        return first in words and f"from the {rest}" in command
    distance = next((d for d in DISTANCE_WORDS if f" {d} " in key), None)
    if distance is not None:
        return bool(words.intersection(DISTANCE_WORDS[distance]))
    return key.removeprefix("block ") in command


def describe_space_asked(scene: Scene, named: Collection[str] = (), command: str = ""
                         ) -> list[str]:
    """The asked form: the keyed form's lines the command asks about (`named`: the object names
    it uses, `command`: its text)."""
    words = re.findall(r"[a-z]+", command.lower())
    text, vocabulary = " ".join(words), set(words)
    return [line for line in describe_space_keyed(scene, named)
            if _asked(line, text, vocabulary)]
