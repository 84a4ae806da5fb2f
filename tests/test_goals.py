"""Goal predicates, their one evaluation over the symbolic model and over world snapshots (pure
logic), and the benchmark and the tests asking the same predicate of the simulator (PyBullet)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from remote.client import RemoteWorld
from remote.world_service import WorldService
from sim.scene_gen import SceneSpec
from sim.tasks.checks import start_positions, unmet_in_world
from sim.world import World
from skills.goals import (
    At,
    In,
    NotIn,
    On,
    Stacked,
    Tower,
    Unmoved,
    describe,
    evaluate_plan,
    goal_moves,
    holds,
    make_predicate,
    unmet,
)
from skills.library.pick_and_place import pick_and_place_option
from skills.snapshot import ObjectSizes, WorldSnapshot
from skills.symbolic import SymbolicState
from skills.tolerances import MAX_BLOCKS_IN_BOWL
from skills.types import Option
from skills.workspace import Workspace
from tests.skill_sets import SKILLS

BLOCKS = ("red block", "green block", "blue block")


def moves(*pairs: tuple[str, str]) -> list[Option]:
    return [pick_and_place_option(block, target) for block, target in pairs]


def after(state: SymbolicState, *pairs: tuple[str, str]) -> SymbolicState:
    return SKILLS.apply(state, moves(*pairs))


def test_block_on_a_block_in_a_bowl_is_in_the_bowl() -> None:
    steps = [("red block", "blue bowl"), ("green block", "red block")]
    ok, left = evaluate_plan((In("green block", "blue bowl"), On("green block", "red block")),
                             BLOCKS, moves(*steps), SKILLS)
    assert ok and not left


def test_unmet_predicates_are_reported() -> None:
    goal = (In("red block", "blue bowl"), Unmoved("green block"), NotIn("blue block", "blue bowl"))
    ok, left = evaluate_plan(goal, BLOCKS, moves(("green block", "top left corner")), SKILLS)
    assert not ok
    assert [describe(p) for p in left] == ["in(red block, blue bowl)", "unmoved(green block)"]


def test_a_covered_block_cannot_be_picked() -> None:
    state = after(SymbolicState.initial(BLOCKS), ("green block", "red block"))
    assert after(state, ("red block", "middle")) == state
    assert after(state, ("blue block", "red block")) == state  # the target is covered


def test_stacked_needs_the_order_tower_does_not() -> None:
    state = after(SymbolicState.initial(BLOCKS), ("green block", "blue block"),
                  ("red block", "green block"))
    assert holds(state, Stacked(("blue block", "green block", "red block")))
    assert not holds(state, Stacked(("red block", "green block", "blue block")))
    assert holds(state, Tower(("red block", "green block", "blue block")))
    two_towers = after(SymbolicState.initial(BLOCKS + ("gray block",)),
                       ("red block", "green block"), ("blue block", "gray block"))
    assert not holds(two_towers, Tower(("red block", "green block", "blue block", "gray block")))


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


# ---- one evaluation over world snapshots --------------------------------------------------------

SIZES = ObjectSizes()
BOWL = (0.6, 0.1, 0.0)


def in_bowl_at_level(level: int) -> tuple[float, float, float]:
    """A block's centre `level` blocks up a stack on the bowl's floor (level 1: on the floor)."""
    return (BOWL[0] + 0.01, BOWL[1], SIZES.bowl_floor_height + (level - 0.5) * SIZES.block_size)


def test_a_bowl_holds_a_stack_of_four() -> None:
    for level in range(1, MAX_BLOCKS_IN_BOWL + 2):
        snapshot = WorldSnapshot({"red block": in_bowl_at_level(level), "blue bowl": BOWL})
        assert holds(snapshot, In("red block", "blue bowl")) == (level <= MAX_BLOCKS_IN_BOWL)
    beside = WorldSnapshot({"red block": (BOWL[0] + 0.06, BOWL[1], 0.02), "blue bowl": BOWL})
    assert holds(beside, NotIn("red block", "blue bowl"))


def test_the_symbolic_model_and_a_snapshot_agree_on_the_same_table() -> None:
    """Red in the bowl, green on red, blue at the middle, yellow where it started."""
    middle = (0.5, 0.0)
    start = {"red block": (0.4, 0.2, 0.02), "green block": (0.4, -0.2, 0.02),
             "blue block": (0.7, 0.2, 0.02), "yellow block": (0.7, -0.2, 0.02),
             "blue bowl": BOWL}
    positions = {**start, "red block": in_bowl_at_level(1),
                 "green block": in_bowl_at_level(2), "blue block": (*middle, 0.02)}
    snapshot = WorldSnapshot(positions, {"middle": middle}, SIZES, start)
    state = after(SymbolicState.initial(b for b in start if b.endswith("block")),
                  ("red block", "blue bowl"), ("green block", "red block"),
                  ("blue block", "middle"))
    goal = (In("red block", "blue bowl"), In("green block", "blue bowl"),
            On("green block", "red block"), Stacked(("red block", "green block")),
            Tower(("green block", "red block")), At("blue block", "middle"),
            Unmoved("yellow block"), NotIn("blue block", "blue bowl"),
            On("red block", "green block"), At("red block", "middle"), Unmoved("red block"))
    assert unmet(goal, snapshot) == unmet(goal, state) == list(goal[-3:])


@pytest.mark.sim
def test_the_benchmark_and_the_tests_ask_the_same_predicate(
    sim_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim_world.reset(SceneSpec(blocks=("red", "green", "yellow"), bowls=("blue",), seed=2))
    bx, by, _ = sim_world.object_pose("blue bowl").position
    size = sim_world.block.size
    for level, name in enumerate(("red block", "green block", "yellow block")):
        sim_world.set_object_pose(name, (bx, by, sim_world.bowl.floor_height + size / 2
                                         + level * (size + 5e-4) + 5e-4))
    sim_world.step(120)
    start = start_positions(sim_world)
    goal = (In("yellow block", "blue bowl"),)  # three up: outside the tests' old 1.5 blocks
    assert sim_world.is_in("yellow block", "blue bowl")
    assert unmet_in_world(sim_world, goal, start) == []

    asked: list[tuple[str, str]] = []

    def recording(self: WorldSnapshot, block: str, bowl: str) -> bool:
        asked.append((block, bowl))
        return False

    monkeypatch.setattr(WorldSnapshot, "is_in", recording)
    assert not sim_world.is_in("yellow block", "blue bowl")
    assert unmet_in_world(sim_world, goal, start) == list(goal)
    assert asked == [("yellow block", "blue bowl")] * 2


class LoopbackRemoteWorld(RemoteWorld):
    """The arm server's client view of a world, its requests answered in-process (as JSON)."""

    def __init__(self, service: WorldService) -> None:
        self._service = service
        info = self._call("world_info")
        self.workspace = Workspace(**info["workspace"])
        self.sizes = ObjectSizes(**info["sizes"])

    def _call(self, op: str, **args: Any) -> Any:
        return json.loads(json.dumps(self._service.call(op, args)))


@pytest.mark.sim
def test_the_remote_world_gives_the_simulators_snapshot(sim_world: World) -> None:
    sim_world.reset(SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=3),
                    positions={"red block": sim_world.workspace.named_locations()["middle"]})
    service = WorldService(sim_world)
    remote = LoopbackRemoteWorld(service)
    assert remote.snapshot() == sim_world.snapshot()
    assert remote.is_at("red block", "middle") and sim_world.is_at("red block", "middle")
    assert service.call("check", {"name": "is_at", "a": "red block", "b": "middle"}) is True
    assert service.call("check", {"name": "is_in", "a": "red block", "b": "blue bowl"}) is False
