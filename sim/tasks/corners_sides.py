"""Move one or two blocks to the corners and sides of the table."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import At

FAMILY = "corners_sides_v1"

CORNERS = ("top left corner", "top right corner", "bottom left corner", "bottom right corner")
SIDES = ("top side", "bottom side", "left side", "right side")
ONE = Wordings(
    train=(
        "put the {a} block in the {la}",
        "move the {a} block to the {la}",
        "slide the {a} block over to the {la}",
        "place the {a} block at the {la}",
        "push the {a} block to the {la}",
    ),
    held_out=(
        "could you put the {a} block at the {la}",
        "I want the {a} block in the {la}",
    ),
)
TWO = Wordings(
    train=(
        "put the {a} block in the {la} and the {b} block in the {lb}",
        "move the {a} block to the {la} and the {b} block to the {lb}",
        "place the {a} block at the {la} and the {b} block at the {lb}",
        "move the {a} block to the {la}, and the {b} block to the {lb}",
    ),
    held_out=(
        "could you move the {a} block to the {la} and the {b} block to the {lb}",
        "I want the {a} block at the {la} and the {b} block at the {lb}",
    ),
)


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    blocks = pick_colors(rng, between(rng, 2, min(4, len(colors))), colors)
    bowls = pick_colors(rng, between(rng, 0, 2), colors)
    n_moved = between(rng, 1, 2)
    places = [str(p) for p in rng.choice(CORNERS + SIDES, size=n_moved, replace=False)]
    template = (ONE if n_moved == 1 else TWO).choose(rng, wordings)
    instruction = template.format(a=blocks[0], la=places[0], b=blocks[1], lb=places[-1])
    goal = tuple(At(f"{c} block", place) for c, place in zip(blocks, places, strict=False))
    spec = placeable_scene(rng, blocks, bowls, free=tuple(places))
    return Task(family, seed, instruction, spec, goal)
