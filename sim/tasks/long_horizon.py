"""Two or three sub-goals in one command, "..., then ...", each moving a different block."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import At, In, On, Predicate

FAMILY = "long_horizon_v1"

INTO_BOWL = Wordings(
    train=("put the {block} block in the {target} bowl",
           "place the {block} block into the {target} bowl",
           "drop the {block} block in the {target} bowl"),
    held_out=("set the {block} block inside the {target} bowl",),
)
ONTO_BLOCK = Wordings(
    train=("put the {block} block on the {target} block",
           "stack the {block} block on the {target} block",
           "place the {block} block on top of the {target} block"),
    held_out=("set the {block} block onto the {target} block",),
)
TO_LOCATION = Wordings(
    train=("move the {block} block to the {target}",
           "put the {block} block in the {target}",
           "slide the {block} block to the {target}"),
    held_out=("bring the {block} block over to the {target}",),
)
LOCATIONS = ("top left corner", "top right corner", "bottom left corner", "bottom right corner",
             "left side", "right side")
JOINS = Wordings(
    train=("{a}, then {b}", "first {a}, then {b}", "{a} and then {b}", "{a}, and after that {b}",
           "{a}; then {b}", "{a}, afterwards {b}"),
    held_out=("{a}; next, {b}", "{a}, followed by: {b}"),
)


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    n_goals = between(rng, 2, 3)
    blocks = pick_colors(rng, between(rng, n_goals + 1, min(n_goals + 2, len(colors))), colors)
    bowls = pick_colors(rng, between(rng, 1, 2), colors)
    movers, resting = blocks[:n_goals], blocks[n_goals:]
    free_bowls, free_places = list(bowls), list(LOCATIONS)
    phrases: list[str] = []
    goal: list[Predicate] = []
    locations: list[str] = []
    for block in movers:
        kinds = [k for k, left in (("bowl", free_bowls), ("block", resting),
                                   ("location", free_places)) if left]
        kind = choose(rng, kinds)
        if kind == "bowl":
            target = free_bowls.pop(int(rng.integers(len(free_bowls))))
            phrases.append(INTO_BOWL.choose(rng, wordings).format(block=block, target=target))
            goal.append(In(f"{block} block", f"{target} bowl"))
        elif kind == "block":
            target = resting.pop(int(rng.integers(len(resting))))
            phrases.append(ONTO_BLOCK.choose(rng, wordings).format(block=block, target=target))
            goal.append(On(f"{block} block", f"{target} block"))
        else:
            target = free_places.pop(int(rng.integers(len(free_places))))
            locations.append(target)
            phrases.append(TO_LOCATION.choose(rng, wordings).format(block=block, target=target))
            goal.append(At(f"{block} block", target))
    instruction = phrases[0]
    for phrase in phrases[1:]:
        instruction = JOINS.choose(rng, wordings).format(a=instruction, b=phrase)
        instruction = instruction.replace("first first ", "first ", 1)  # "first" opens once
    spec = placeable_scene(rng, blocks, bowls, free=tuple(locations))
    return Task(family, seed, instruction, spec, tuple(goal))
