"""Commands no skill can carry out: other verbs (pour, open, throw, hold, ...), other objects and
furniture (drawers, lights, cups, ...), shapes the skills cannot make (circles, pyramids, ...).
Nothing may move, and the episode must end refused (`Task.refusal`: the kind the command asks
for); when the planner is not offered the refusals (`refusals=false`) done() with nothing moved
is the right answer (`tools/bench`)."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import Unmoved

FAMILY = "out_of_scope_v1"

# {block}, {other}: blocks on the table; {bowl}: a bowl on the table; {color}: any colour word.
OTHER_ACTION = Wordings(
    train=(
        "pour water into the {bowl} bowl",
        "pick up the {block} block and hold it",
        "hold the {block} block in the air",
        "throw the {block} block",
        "toss the {block} block across the room",
        "wave at me with the {block} block",
        "paint the {block} block {color}",
        "cut the {block} block in half",
        "push the {block} block off the table",
        "hand me the {block} block",
        "give the {block} block to me",
        "shake the {bowl} bowl",
        "spin the {block} block around",
        "knock the {other} block off the table",
        "fold the {bowl} bowl in half",
        "squeeze the {block} block",
    ),
    held_out=(
        "could you pour some milk into the {bowl} bowl",
        "I want you to throw the {block} block at the wall",
        "keep the {block} block up in the air",
        "hand the {block} block over to me",
        "slice the {other} block into pieces",
        "wave hello",
        "paint the {bowl} bowl",
        "push all the blocks off the table",
    ),
)
OTHER_OBJECT = Wordings(
    train=(
        "open the drawer",
        "turn on the light",
        "put the {block} block in the cup",
        "put the {block} block in the drawer",
        "close the door",
        "bring me a cup of coffee",
        "put the {block} block on the plate",
        "put the book on the shelf",
        "fold the towel",
        "switch off the lamp",
    ),
    held_out=(
        "could you open the window",
        "I want the {block} block in the mug",
        "put the bottle in the {bowl} bowl",
        "fill the glass with water",
    ),
)
OTHER_SHAPE = Wordings(
    train=(
        "arrange the blocks in a circle",
        "build a pyramid with the blocks",
        "make a triangle out of the blocks",
        "put the blocks in a ring around the {bowl} bowl",
        "make a square with the blocks",
        "build a bridge with the blocks",
    ),
    held_out=(
        "could you make a circle of blocks",
        "I want a pyramid made of the blocks",
        "lay the blocks out in the shape of a star",
        "make a heart shape with the blocks",
    ),
)
KINDS: tuple[tuple[str, Wordings], ...] = (
    ("other action", OTHER_ACTION), ("other object", OTHER_OBJECT), ("other shape", OTHER_SHAPE))
COLOR_WORDS = ("red", "green", "blue", "purple", "white", "black")


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    blocks = pick_colors(rng, between(rng, 2, min(4, len(colors))), colors)
    bowls = pick_colors(rng, between(rng, 1, min(3, len(colors))), colors)
    kind, wording = KINDS[int(rng.integers(len(KINDS)))]
    instruction = wording.choose(rng, wordings).format(
        block=blocks[0], other=blocks[1], bowl=choose(rng, bowls), color=choose(rng, COLOR_WORDS))
    spec = placeable_scene(rng, blocks, bowls)
    return Task(family, seed, instruction, spec, tuple(Unmoved(name) for name in spec.names),
                refusal=kind)
