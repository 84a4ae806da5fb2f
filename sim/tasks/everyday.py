"""Everyday commands beyond Code as Policies' kinds: swap two blocks, take everything out of a
bowl (blocks that start in it, `SceneSpec.start_on`), move a stack somewhere else (a stack at the
start), put a block where another one was (after moving that one), put a block back where it
was (after moving it: the move away is a waypoint, `Task.waypoints`, since the end state alone
also holds when nothing moved)."""

from __future__ import annotations

import numpy as np

from sim.scene_gen import SceneSpec
from sim.tasks.layout import locations, scene_satisfying
from sim.tasks.registration import FamilyInfo, register_family
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import AllAt, At, In, NotIn, Predicate, Tower
from skills.places import start_of

SWAP_FAMILY = "swap_blocks_v1"
EMPTY_FAMILY = "empty_bowl_v1"
MOVE_STACK_FAMILY = "move_stack_v1"
WHERE_IT_WAS_FAMILY = "where_it_was_v1"
PUT_BACK_FAMILY = "put_back_v1"
EVERYDAY = FamilyInfo(suite="everyday", colors=SEEN_COLORS)
LOCATIONS = ("top left corner", "top right corner", "bottom left corner", "bottom right corner",
             "top side", "bottom side", "left side", "right side", "middle")

SWAP = Wordings(
    train=(
        "swap the {a} block and the {b} block",
        "swap the positions of the {a} block and the {b} block",
        "put the {a} block where the {b} block is and the {b} block where the {a} block is",
        "exchange the places of the {a} block and the {b} block",
        "switch the {a} block and the {b} block around",
        "trade the places of the {a} block and the {b} block",
    ),
    held_out=(
        "could you swap where the {a} block and the {b} block are",
        "I want the {a} block and the {b} block to change places",
        "let the {a} block and the {b} block swap spots",
    ),
)


@register_family(SWAP_FAMILY, EVERYDAY)
def generate_swap(seed: int, wordings: WordingSplit = "train") -> Task:
    """Each of two blocks to where the other started (the scripted planner parks one first)."""
    rng = rng_for(SWAP_FAMILY, seed)
    blocks = pick_colors(rng, between(rng, 2, 4), SEEN_COLORS)
    bowls = pick_colors(rng, between(rng, 0, 2), SEEN_COLORS)
    a, b = blocks[0], blocks[1]
    instruction = SWAP.choose(rng, wordings).format(a=a, b=b)
    goal = (At(f"{a} block", start_of(f"{b} block")), At(f"{b} block", start_of(f"{a} block")))
    return Task(SWAP_FAMILY, seed, instruction, scene_satisfying(rng, blocks, bowls)[0], goal)


EMPTY = Wordings(
    train=(
        "take everything out of the {bowl} bowl",
        "empty the {bowl} bowl",
        "take all the blocks out of the {bowl} bowl",
        "remove the blocks from the {bowl} bowl",
        "get every block out of the {bowl} bowl",
        "clear out the {bowl} bowl",
    ),
    held_out=(
        "could you empty out the {bowl} bowl",
        "I want nothing left in the {bowl} bowl",
        "pull every block out of the {bowl} bowl",
    ),
)
MOVE_STACK = Wordings(
    train=(
        "move the stack to the {location}",
        "put the stack of blocks in the {location}",
        "carry the tower over to the {location}",
        "move the whole stack to the {location}",
        "rebuild the stack at the {location}",
        "shift the tower of blocks to the {location}",
    ),
    held_out=(
        "could you move the stack over to the {location}",
        "I want the tower at the {location}",
        "relocate the stack to the {location}",
    ),
)


def _stack(names: list[str], base: str) -> tuple[tuple[str, str], ...]:
    """`names` stacked on `base`, the first lowest."""
    return tuple(zip(names, [base, *names[:-1]], strict=True))


@register_family(EMPTY_FAMILY, EVERYDAY)
def generate_empty_bowl(seed: int, wordings: WordingSplit = "train") -> Task:
    """One or two blocks start in a bowl (the second on the first); every one must end out of
    it, anywhere. One or two other blocks on the table, one or two other bowls."""
    rng = rng_for(EMPTY_FAMILY, seed)
    n_in = between(rng, 1, 2)
    blocks = pick_colors(rng, n_in + between(rng, 0, 2), SEEN_COLORS)
    bowls = pick_colors(rng, between(rng, 1, 2), SEEN_COLORS)
    bowl = choose(rng, bowls)
    inside = [f"{c} block" for c in blocks[:n_in]]
    spec, _ = scene_satisfying(rng, blocks, bowls, start_on=_stack(inside, f"{bowl} bowl"))
    instruction = EMPTY.choose(rng, wordings).format(bowl=bowl)
    goal = tuple(NotIn(block, f"{bowl} bowl") for block in reversed(inside))  # top first
    return Task(EMPTY_FAMILY, seed, instruction, spec, goal)


@register_family(MOVE_STACK_FAMILY, EVERYDAY)
def generate_move_stack(seed: int, wordings: WordingSplit = "train") -> Task:
    """A stack of two or three blocks moves to a free named location, as one stack there (in
    any order: the scripted planner moves it top first, so it stands there upside down)."""
    rng = rng_for(MOVE_STACK_FAMILY, seed)
    n_stack = between(rng, 2, 3)
    blocks = pick_colors(rng, n_stack + between(rng, 0, 1), SEEN_COLORS)
    bowls = pick_colors(rng, between(rng, 0, 2), SEEN_COLORS)
    location = choose(rng, LOCATIONS)
    stack = [f"{c} block" for c in blocks[:n_stack]]
    spec, _ = scene_satisfying(rng, blocks, bowls, free=locations(location),
                               start_on=_stack(stack[1:], stack[0]))
    instruction = MOVE_STACK.choose(rng, wordings).format(location=location)
    top_first = tuple(reversed(stack))
    goal = (AllAt(location, top_first), Tower(top_first))
    return Task(MOVE_STACK_FAMILY, seed, instruction, spec, goal)



def _somewhere(rng: np.random.Generator, blocks: list[str], bowls: list[str]
               ) -> tuple[str, str, SceneSpec]:
    """A bowl (half the time, when there is one) or a named location left free, the word that
    puts a block there ("in" or "at"), and the scene."""
    if bowls and rng.random() < 0.5:
        return f"{choose(rng, bowls)} bowl", "in", scene_satisfying(rng, blocks, bowls)[0]
    target = choose(rng, LOCATIONS)
    return target, "at", scene_satisfying(rng, blocks, bowls, free=locations(target))[0]


WHERE_IT_WAS = Wordings(
    train=(
        "move the {a} block to the {target}, then put the {b} block where the {a} block was",
        "put the {a} block {into} the {target} and the {b} block where the {a} block used to be",
        "put the {a} block {into} the {target}, then move the {b} block to where the {a} block "
        "was",
        "take the {a} block to the {target} and put the {b} block in its old place",
        "first the {a} block goes {into} the {target}, then the {b} block takes its place",
        "move the {a} block to the {target} and fill its old spot with the {b} block",
    ),
    held_out=(
        "could you put the {a} block {into} the {target} and the {b} block where the {a} block "
        "had been",
        "I want the {a} block {into} the {target} and the {b} block in the {a} block's old spot",
        "shift the {a} block to the {target}; the {b} block goes where the {a} block stood",
    ),
)


@register_family(WHERE_IT_WAS_FAMILY, EVERYDAY)
def generate_where_it_was(seed: int, wordings: WordingSplit = "train") -> Task:
    """One block moves into a bowl or to a free named location; a second block then goes where
    the first one started (`where the red block started`, a start place), so it must wait for
    the first to leave."""
    rng = rng_for(WHERE_IT_WAS_FAMILY, seed)
    blocks = pick_colors(rng, between(rng, 2, 4), SEEN_COLORS)
    bowls = pick_colors(rng, between(rng, 0, 2), SEEN_COLORS)
    a, b = f"{blocks[0]} block", f"{blocks[1]} block"
    target, into, spec = _somewhere(rng, blocks, bowls)
    first: Predicate = In(a, target) if into == "in" else At(a, target)
    instruction = WHERE_IT_WAS.choose(rng, wordings).format(
        a=blocks[0], b=blocks[1], target=target, into=into)
    return Task(WHERE_IT_WAS_FAMILY, seed, instruction, spec, (first, At(b, start_of(a))))


PUT_BACK = Wordings(
    train=(
        "put the {a} block {into} the {target}, then put it back where it was",
        "move the {a} block to the {target} and then back to where it was",
        "put the {a} block {into} the {target}, then return it to its old place",
        "take the {a} block to the {target} and bring it back again",
        "move the {a} block to the {target}, then put it back",
        "put the {a} block {into} the {target} and afterwards back where it started",
    ),
    held_out=(
        "could you put the {a} block {into} the {target} and then back where it was",
        "I want the {a} block moved to the {target} and then returned to its spot",
        "try the {a} block {into} the {target}, then put it back in its place",
    ),
)


@register_family(PUT_BACK_FAMILY, EVERYDAY)
def generate_put_back(seed: int, wordings: WordingSplit = "train") -> Task:
    """A block moves into a bowl or to a free named location (a waypoint), then back to where
    it started (the goal)."""
    rng = rng_for(PUT_BACK_FAMILY, seed)
    blocks = pick_colors(rng, between(rng, 1, 3), SEEN_COLORS)
    bowls = pick_colors(rng, between(rng, 0, 2), SEEN_COLORS)
    target, into, spec = _somewhere(rng, blocks, bowls)
    a = f"{blocks[0]} block"
    away: Predicate = In(a, target) if into == "in" else At(a, target)
    instruction = PUT_BACK.choose(rng, wordings).format(a=blocks[0], target=target, into=into)
    return Task(PUT_BACK_FAMILY, seed, instruction, spec, (At(a, start_of(a)),),
                waypoints=(away,))
