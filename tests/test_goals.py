"""Goal predicates and the symbolic plan evaluator (pure logic)."""

from __future__ import annotations

import pytest

from skills.goals import (
    At,
    In,
    NotIn,
    On,
    Stacked,
    SymbolicState,
    Tower,
    Unmoved,
    describe,
    evaluate_plan,
    goal_moves,
    make_predicate,
)

BLOCKS = ("red block", "green block", "blue block")


def test_block_on_a_block_in_a_bowl_is_in_the_bowl() -> None:
    steps = [("red block", "blue bowl"), ("green block", "red block")]
    ok, unmet = evaluate_plan((In("green block", "blue bowl"), On("green block", "red block")),
                              BLOCKS, steps)
    assert ok and not unmet


def test_unmet_predicates_are_reported() -> None:
    goal = (In("red block", "blue bowl"), Unmoved("green block"), NotIn("blue block", "blue bowl"))
    ok, unmet = evaluate_plan(goal, BLOCKS, [("green block", "top left corner")])
    assert not ok
    assert [describe(p) for p in unmet] == ["in(red block, blue bowl)", "unmoved(green block)"]


def test_a_covered_block_cannot_be_picked() -> None:
    state = SymbolicState.initial(BLOCKS).apply("green block", "red block")
    assert state.apply("red block", "middle") == state
    assert state.apply("blue block", "red block") == state  # the target is covered


def test_stacked_needs_the_order_tower_does_not() -> None:
    state = SymbolicState.initial(BLOCKS)
    for block, target in [("green block", "blue block"), ("red block", "green block")]:
        state = state.apply(block, target)
    assert state.holds(Stacked(("blue block", "green block", "red block")))
    assert not state.holds(Stacked(("red block", "green block", "blue block")))
    assert state.holds(Tower(("red block", "green block", "blue block")))
    two_towers = SymbolicState.initial(BLOCKS + ("gray block",)).apply("red block", "green block")
    two_towers = two_towers.apply("blue block", "gray block")
    assert not two_towers.holds(Tower(("red block", "green block", "blue block", "gray block")))


def test_at_and_goal_moves_in_order() -> None:
    goal = (Stacked(("red block", "green block", "blue block")), At("red block", "middle"))
    assert goal_moves(goal) == [("green block", "red block"), ("blue block", "green block"),
                                ("red block", "middle")]


@pytest.mark.parametrize(("name", "args", "message"), [
    ("inside", ["red block", "blue bowl"], "unknown predicate"),
    ("in", ["red block"], "takes 2 arguments"),
    ("stacked", ["red block"], "two or more"),
])
def test_make_predicate_rejects(name: str, args: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_predicate(name, args)
