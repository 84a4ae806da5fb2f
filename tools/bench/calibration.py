"""Whether each step a language model chose was right, for the calibration of its p_LLM
(`records/calibration.py` bins them): judged per step against the task's goal, not against the
episode's success, so a right step of an episode that later failed counts as right.

A step is right when:
- the command asks for what no skill does (`Task.refusal`): it is a refusal, or done() while no
  refusal was offered;
- otherwise it is no refusal, and either done() with the waypoints reached and the goal met
  (symbolically, by the steps that succeeded so far) or a call that makes a move the next
  waypoint not reached, else the goal, still asks for: any of its `in`, `on` and `at` moves, of
  a stack in a given order the next link up (bottom first), of a tower in any order
  (`stack_all`) a free block onto its tallest pile, and of the goals that take their blocks in
  any order (a line, different corners, all at a location) any block still to place to any
  spot, corner or pile top still free.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.types import EpisodeResult
from sim.tasks.task import Task
from skills.goals import AllAt, Corners, Goal, Line, Stacked, Tower, advance, goal_moves, unmet
from skills.places import CORNERS, line_spot
from skills.skill_set import SkillSet
from skills.symbolic import SymbolicState
from skills.types import Option


def judged_steps(episode: EpisodeResult, task: Task, skills: SkillSet
                 ) -> list[tuple[float, bool]]:
    """(p_LLM of the chosen option, right) for every step whose p is known, in order."""
    blocks = [f"{color} block" for color in task.scene.blocks]
    taken: list[Option] = []
    judged = []
    for record in episode.records:
        option = record.step.option
        if record.step.p is not None:
            offered = any(a.option.is_refusal for a in record.afforded)
            judged.append((record.step.p, step_is_right(option, task, taken, skills, blocks,
                                                         offered)))
        if record.succeeded:
            taken.append(option)
    return judged


def step_is_right(option: Option, task: Task, taken: Sequence[Option], skills: SkillSet,
                  blocks: Sequence[str], refusal_offered: bool) -> bool:
    if task.refusal:
        return option.is_refusal or (option.is_done and not refusal_offered)
    if option.is_refusal:
        return False
    states = skills.trajectory(SymbolicState.initial(blocks), list(taken))
    reached = 0
    for each in states:
        reached = advance(task.waypoints, reached, each)
    state = states[-1]
    goal = task.waypoints[reached:reached + 1] or task.goal
    if option.is_done:
        return reached == len(task.waypoints) and not unmet(task.goal, state)
    return any(skills.makes(option, block, target) for block, target in wanted_moves(goal, state))


def wanted_moves(goal: Goal, state: SymbolicState) -> list[tuple[str, str]]:
    """The moves the goal still asks for on `state`: of each unmet predicate its moves not yet
    made (`goal_moves`), of a stack in a given order only the lowest link not yet made, of a
    tower in any order `tower_moves`."""
    moves: list[tuple[str, str]] = []
    for predicate in unmet(goal, state):
        if isinstance(predicate, Tower):
            moves += tower_moves(predicate.objects, state)
            continue
        if isinstance(predicate, Line | Corners | AllAt):
            moves += order_free_moves(predicate, state)
            continue
        todo = [(block, target) for block, target in goal_moves((predicate,))
                if state.support.get(block) != target]
        moves += todo[:1] if isinstance(predicate, Stacked) else todo
    return moves


def tower_moves(objects: Sequence[str], state: SymbolicState) -> list[tuple[str, str]]:
    """A tower in any order: a free block of the tower onto the top of its tallest pile so far
    (any two of them while none is stacked)."""
    piles = {o: [o, *(b for b in state.chain(o) if b in objects)] for o in objects
             if not state.covered(o)}
    tallest = max(len(pile) for pile in piles.values())
    tops = [o for o, pile in piles.items() if len(pile) == tallest]
    return [(block, top) for top in tops for block, pile in piles.items()
            if block != top and len(pile) == 1 and block not in piles[top]]


def order_free_moves(predicate: Line | Corners | AllAt, state: SymbolicState
                     ) -> list[tuple[str, str]]:
    """A goal that takes its blocks in any order: every block not yet placed, to every spot of
    the line or corner no block of the goal holds, or, for all at a location, onto the
    location while nothing stands there, else onto the top of a pile standing there."""
    if isinstance(predicate, AllAt):
        over = [o for o in predicate.objects if state.is_over(o, predicate.location)]
        tops = [o for o in over if not state.covered(o)] or [predicate.location]
        return [(block, top) for block in predicate.objects if block not in over for top in tops]
    places = list(CORNERS) if isinstance(predicate, Corners) else [
        line_spot(predicate.line, k) for k in range(1, len(state.support) + 1)]
    held = {state.support.get(o) for o in predicate.objects}
    free = [place for place in places if place not in held]
    return [(block, place) for block in predicate.objects
            if state.support.get(block) not in places for place in free]
