"""A scripted planner that plans from the goal predicates: the benchmark's upper bound.

It has SayCanPlanner's `next_step` interface and, like it, only chooses among the options it is
given: the option whose symbolic effect makes the next move the goal asks for, if it is offered
with a non-zero affordance, otherwise done(). A task that asks for what no skill does (`refusal`,
its kind) is refused at once when the refusals are offered, else answered by done().
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from perception.types import Scene
from planner.prompt import HistoryItem, succeeded
from skills.goals import Goal, NotIn, goal_moves
from skills.places import is_start
from skills.skill_set import SkillSet
from skills.tolerances import BOWL_RADIUS
from skills.types import AffordedOption, Option, Outcome, ScoredOption, Step


class ScriptedPlanner:
    """Makes the waypoints' moves, then moves each block the goal names, in the goal's order
    (towers bottom first), takes out of a bowl the blocks a `not_in` keeps out of it, then
    done().

    `model` is accepted (and ignored) so that it is built like any planner. `skills`: the
    configured skill set, whose symbolic effects say which option makes a move."""

    def __init__(self, skills: SkillSet, goal: Goal = (), model: Any = None,
                 refusal: str = "", waypoints: Goal = ()) -> None:
        self.skills = skills
        self.records: list[Any] = []  # no model calls
        self.set_goal(goal, refusal, waypoints)

    def set_goal(self, goal: Goal, refusal: str = "", waypoints: Goal = ()) -> None:
        """The task's goal, the kind of refusal it asks for ("": none) and its waypoints."""
        self.goal = tuple(goal)
        self.refusal = refusal
        self.waypoints = tuple(waypoints)

    def next_step(
        self, command: str, scene: Scene,
        options: Sequence[AffordedOption], history: Sequence[HistoryItem] = (),
    ) -> Step:
        taken = [option for item in succeeded(history) if (option := _option(item)) is not None]
        pending = [m for m in goal_moves(self.waypoints + self.goal)
                   if not any(self.skills.makes(option, *m) for option in taken)]
        afforded = [a.option for a in options if a.affordance > 0]
        chosen = next((option for option in afforded if pending
                       and self.skills.makes(option, *pending[0])), None)
        if self.refusal:
            chosen = next((o for o in afforded if o.is_refusal and o.args == (self.refusal,)),
                          None)
        note = ""
        offered = [a.option for a in options]
        if (chosen is None and len(pending) > 1 and all(is_start(t) for _, t in pending)
                and any(self.skills.makes(option, *pending[0]) for option in offered)):
            chosen = next((option for move in pending[1:] for option in afforded
                           if self.skills.makes(option, *move)), None)
            if chosen is None:
                chosen = self._park(pending, scene, afforded)
                note = "" if chosen is None else f"out of the way of the moves {pending}"
        if chosen is None and not pending:
            chosen = self._take_out(scene, afforded)
            note = "" if chosen is None else "out of the bowl the goal says it must not be in"
        if chosen is None:
            chosen = next(a.option for a in options if a.option.is_done)
            note = "the goal's moves are done" if not pending else (
                f"the move {pending[0]} is not offered or not afforded")
            if self.refusal:
                note = f"no skill does what the command asks ({self.refusal})"
        scored = tuple(
            ScoredOption(a.option, 0.0, 0, a.affordance, float(a.option == chosen))
            for a in sorted(options, key=lambda a: a.option != chosen)
        )
        return Step(chosen, scored, note=note)

    def _park(self, pending: list[tuple[str, str]], scene: Scene, afforded: list[Option]
              ) -> Option | None:
        """Moves that wait on each other (a swap: each block's target is where the other
        started, and stands): the first of their blocks to a free named location."""
        targets = {target for _, target in pending}
        block = pending[0][0]
        return next((option for location in scene.locations if location not in targets
                     for option in afforded if self.skills.makes(option, block, location)),
                    None)


    def _take_out(self, scene: Scene, afforded: list[Option]) -> Option | None:
        """A block seen in a bowl the goal says it must not be in (`not_in`), topmost first
        (a covered one is not afforded): to the first free named location."""
        for predicate in self.goal:
            if not isinstance(predicate, NotIn):
                continue
            block, bowl = scene.get(predicate.block), scene.get(predicate.bowl)
            if block is None or bowl is None or math.dist(
                    block.position[:2], bowl.position[:2]) >= BOWL_RADIUS:
                continue
            found = next((option for location in scene.locations for option in afforded
                          if self.skills.makes(option, block.name, location)), None)
            if found is not None:
                return found
        return None


def _option(item: HistoryItem) -> Option | None:
    if isinstance(item, Outcome | Step):
        return item.option
    return item if isinstance(item, Option) else None
