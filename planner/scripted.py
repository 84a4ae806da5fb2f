"""A scripted planner that plans from the goal predicates: the benchmark's upper bound.

It has SayCanPlanner's `next_step` interface and, like it, only chooses among the options it is
given: the next move the goal asks for if that option is offered with a non-zero affordance,
otherwise done().
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perception.types import Scene
from planner.prompt import HistoryItem, succeeded
from skills.goals import Goal, goal_moves
from skills.types import AffordedOption, Option, Outcome, ScoredOption, Step


class ScriptedPlanner:
    """Moves each block the goal names, in the goal's order (towers bottom first), then done().

    `model` is accepted (and ignored) so that it is built like any planner."""

    def __init__(self, goal: Goal = (), model: Any = None) -> None:
        self.goal: Goal = tuple(goal)
        self.records: list[Any] = []  # no model calls

    def set_goal(self, goal: Goal) -> None:
        self.goal = tuple(goal)

    def next_step(
        self, command: str, scene: Scene,
        options: Sequence[AffordedOption], history: Sequence[HistoryItem] = (),
    ) -> Step:
        done_args = {_args(item) for item in succeeded(history)}
        wanted = next((m for m in goal_moves(self.goal) if m not in done_args), None)
        chosen = next((a.option for a in options
                       if wanted is not None and a.option.args == wanted and a.affordance > 0),
                      None)
        note = ""
        if chosen is None:
            chosen = next(a.option for a in options if a.option.is_done)
            note = "the goal's moves are done" if wanted is None else (
                f"the move {wanted} is not offered or not afforded")
        scored = tuple(
            ScoredOption(a.option, 0.0, 0, a.affordance, float(a.option == chosen))
            for a in sorted(options, key=lambda a: a.option != chosen)
        )
        return Step(chosen, scored, note=note)


def _args(item: HistoryItem) -> tuple[str, ...]:
    if isinstance(item, Outcome | Step):
        item = item.option
    return item.args if isinstance(item, Option) else ()
