"""The simulated world: seeded scenes, settling, bowls that hold blocks, ground truth."""

from __future__ import annotations

import itertools
import math
import sys

import numpy as np
import pytest

from perception.palette import PALETTE
from sim.objects import TABLE_RGBA
from sim.scene_gen import SceneSpec, TableTooSmallError, random_scene_spec
from sim.world import World

pytestmark = pytest.mark.sim


def test_random_scene_spec_is_seeded_and_distinct() -> None:
    for seed in range(50):
        spec = random_scene_spec(seed)
        assert spec == random_scene_spec(seed)
        assert 2 <= len(spec.blocks) <= 5 and 1 <= len(spec.bowls) <= 4
        assert len(set(spec.blocks)) == len(spec.blocks)
        assert len(set(spec.bowls)) == len(spec.bowls)
    assert random_scene_spec(1) != random_scene_spec(2)


def test_bad_colours_are_named() -> None:
    with pytest.raises(ValueError, match="magenta"):
        SceneSpec(blocks=("red", "magenta"), bowls=(), seed=0)
    with pytest.raises(ValueError, match="distinct"):
        SceneSpec(blocks=("red", "red"), bowls=(), seed=0)


def test_table_unlike_palette() -> None:
    for rgb in PALETTE.values():
        assert np.linalg.norm(np.subtract(rgb, TABLE_RGBA[:3])) > 0.3


@pytest.mark.parametrize("seed", range(8))
def test_reset_places_settled_objects_without_overlap(sim_world: World, seed: int) -> None:
    spec = random_scene_spec(seed, n_blocks=(3, 5), n_bowls=(1, 3))
    sim_world.reset(spec)
    poses = sim_world.object_poses()
    assert sorted(poses) == sorted(spec.names)
    ws = sim_world.workspace
    sim_world.step(240)  # a further second: nothing should move
    for name, pose in poses.items():
        x, y, z = pose.position
        assert ws.contains(x, y, margin=-0.05), f"{name} at {(x, y)} is near the edge"
        expected_z = 0.02 if name.endswith("block") else 0.0
        assert z == pytest.approx(expected_z, abs=2e-3), name
        later = sim_world.object_pose(name).position
        assert np.linalg.norm(np.subtract(later, pose.position)) < 1e-3, f"{name} moved"
    for (a, pa), (b, pb) in itertools.combinations(poses.items(), 2):
        gap = math.dist(pa.position[:2], pb.position[:2])
        assert gap > 0.06, f"{a} and {b} overlap ({gap:.3f} m)"


def test_oracle_detections_match_ground_truth(sim_world: World) -> None:
    sim_world.reset(random_scene_spec(3))
    poses = sim_world.object_poses()
    detections = sim_world.oracle_detections()
    assert {d.name for d in detections} == set(poses)
    for d in detections:
        assert d.position == pytest.approx(poses[d.name].position)
    scene = sim_world.oracle_scene()
    assert len(scene.locations) == 9


@pytest.mark.parametrize("offset", [(0.0, 0.0), (0.02, -0.015), (-0.025, 0.02)])
def test_block_dropped_in_bowl_rests_inside(sim_world: World, offset: tuple[float, float]) -> None:
    sim_world.reset(SceneSpec(blocks=("red",), bowls=("blue",), seed=4))
    bx, by, _ = sim_world.object_pose("blue bowl").position
    sim_world.set_object_pose("red block", (bx + offset[0], by + offset[1], 0.08), yaw=0.4)
    sim_world.step(480)
    assert sim_world.is_in("red block", "blue bowl")
    z = sim_world.object_pose("red block").position[2]
    assert z < sim_world.bowl.floor_height + 0.03  # on the floor (or leaning on the wall)


def test_predicates(sim_world: World) -> None:
    middle = sim_world.workspace.named_locations()["middle"]
    sim_world.reset(SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=5),
                    positions={"red block": middle, "green block": (0.55, -0.1),
                               "blue bowl": (0.6, 0.15)})
    assert sim_world.is_at("red block", "middle")
    assert not sim_world.is_at("green block", "middle")
    assert not sim_world.is_in("red block", "blue bowl")
    sim_world.set_object_pose("green block", (*middle, 0.061))
    sim_world.step(240)
    assert sim_world.is_on("green block", "red block")
    assert not sim_world.is_on("red block", "green block")
    assert not sim_world.is_at("green block", "middle")  # stacked, not on the table


def test_fixed_positions_must_name_scene_objects(sim_world: World) -> None:
    with pytest.raises(ValueError, match="purple block"):
        sim_world.reset(SceneSpec(blocks=("red",), seed=0), positions={"purple block": (0.5, 0)})


CROWDED = SceneSpec(("red", "green", "yellow", "orange", "purple", "pink", "cyan", "brown",
                     "gray", "blue"), ("blue", "red", "green", "orange", "yellow"))


def test_a_scene_too_large_for_the_table_says_so(sim_world: World) -> None:
    with pytest.raises(TableTooSmallError) as caught:
        sim_world.reset(CROWDED)
    assert str(caught.value).startswith("the table is too small for the scene (10 blocks, "
                                        "5 bowls): no room for the ")
    assert isinstance(caught.value, ValueError)  # bad input: one line at the command line


def test_gui_without_a_display_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(ValueError, match="needs a display"):
        World(gui=True)
