"""The command names an object that is not on the table: nothing may move, the plan must end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sim.tasks.layout import location_free, placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import At, In, On, Predicate, Unmoved

FAMILY = "infeasible_v1"

ABSENT = Wordings(
    train=(
        "put the {absent} block in the {bowl} bowl",
        "move the {absent} block to the {location}",
        "stack the {absent} block on the {block} block",
        "put the {block} block in the {absent} bowl",
        "put the {block} block on the {absent} block",
        "place the {absent} block into the {bowl} bowl",
        "drop the {block} block into the {absent} bowl",
        "put all the blocks in the {absent} bowl",
    ),
    held_out=(
        "could you put the {absent} block in the {bowl} bowl",
        "I want the {block} block on the {absent} block",
        "set the {absent} block at the {location}",
        "fill the {absent} bowl with the blocks",
    ),
)
LOCATIONS = ("top left corner", "bottom right corner", "left side", "middle")


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    return _draw(seed, colors, family, wordings).task


def feasible_twin(seed: int, wordings: WordingSplit = "train") -> Task | None:
    """The same command on the same table but for one object the command does not name, which
    becomes the absent one: now the plan is the move the command asks for. Taught beside the
    infeasible task, only the objects line tells the two apart (without it the command's words
    alone decided, and "put the red block in the blue bowl" was answered done()). None when
    the location the command names is taken on that table."""
    draw = _draw(seed, SEEN_COLORS, FAMILY, wordings)
    spec, absent, kind = draw.task.scene, draw.absent, draw.absent_kind
    blocks, bowls = list(spec.blocks), list(spec.bowls)
    named = {draw.block} if kind == "block" else set()
    present = blocks if kind == "block" else bowls
    spare = max(i for i, c in enumerate(present) if c not in named)
    present[spare] = absent
    twin = replace(spec, blocks=tuple(blocks), bowls=tuple(bowls))
    if "{location}" in draw.template and not location_free(twin, draw.location):
        return None
    values = {"absent": f"{absent} {kind}", "bowl": f"{draw.bowl} bowl",
              "block": f"{draw.block} block", "location": draw.location}
    goal = _TWIN_GOALS[draw.template](values, [f"{c} block" for c in blocks])
    return Task(FAMILY, seed, draw.task.instruction, twin, goal)


@dataclass(frozen=True)
class _Draw:
    task: Task
    template: str
    absent: str
    absent_kind: str
    bowl: str
    block: str
    location: str


def _draw(seed: int, colors: tuple[str, ...], family: str, wordings: WordingSplit) -> _Draw:
    rng = rng_for(family, seed)
    blocks = pick_colors(rng, between(rng, 2, min(4, len(colors) - 1)), colors)
    bowls = pick_colors(rng, between(rng, 1, min(3, len(colors) - 1)), colors)
    template = ABSENT.choose(rng, wordings)
    absent_kind = "bowl" if "{absent} bowl" in template else "block"
    present = bowls if absent_kind == "bowl" else blocks
    absent = choose(rng, [c for c in colors if c not in present])
    bowl, block = choose(rng, bowls), blocks[0]
    location = choose(rng, LOCATIONS)
    instruction = template.format(absent=absent, bowl=bowl, block=block, location=location)
    spec = placeable_scene(rng, blocks, bowls)
    goal = tuple(Unmoved(name) for name in spec.names)
    task = Task(family, seed, instruction, spec, goal, infeasible=True)
    return _Draw(task, template, absent, absent_kind, bowl, block, location)


Values = dict[str, str]
_TWIN_GOALS: dict[str, Callable[[Values, list[str]], tuple[Predicate, ...]]] = {
    ABSENT.train[0]: lambda v, _: (In(v["absent"], v["bowl"]),),
    ABSENT.train[1]: lambda v, _: (At(v["absent"], v["location"]),),
    ABSENT.train[2]: lambda v, _: (On(v["absent"], v["block"]),),
    ABSENT.train[3]: lambda v, _: (In(v["block"], v["absent"]),),
    ABSENT.train[4]: lambda v, _: (On(v["block"], v["absent"]),),
    ABSENT.train[5]: lambda v, _: (In(v["absent"], v["bowl"]),),
    ABSENT.train[6]: lambda v, _: (In(v["block"], v["absent"]),),
    ABSENT.train[7]: lambda v, blocks: tuple(In(b, v["absent"]) for b in blocks),
    ABSENT.held_out[0]: lambda v, _: (In(v["absent"], v["bowl"]),),
    ABSENT.held_out[1]: lambda v, _: (On(v["block"], v["absent"]),),
    ABSENT.held_out[2]: lambda v, _: (At(v["absent"], v["location"]),),
    ABSENT.held_out[3]: lambda v, blocks: tuple(In(b, v["absent"]) for b in blocks),
}
