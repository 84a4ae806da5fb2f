"""The success detector's verdicts (`pick_and_place.verify` on a perceived scene) on hand-made
scenes: in the bowl, beside it, on blocks in it, on a block, a toppled tower, at a location,
not seen."""

from __future__ import annotations

import pytest

from perception.types import Detection, Scene
from skills.library.pick_and_place import pick_and_place_option
from skills.options import AffordanceModel
from skills.types import Verdict
from skills.workspace import Workspace
from tests.skill_sets import SKILLS

GEOMETRY = AffordanceModel().geometry
LOCATIONS = Workspace().named_locations()
BOWL = (0.55, 0.10)
ON_TABLE, ONE_UP = 0.02, 0.06  # a block's centre on the table, and on another block


def block(color: str, x: float, y: float, z: float = ON_TABLE) -> Detection:
    return Detection(color, "block", (x, y, z))


def verdict(block_name: str, target: str, *objects: Detection) -> Verdict:
    scene = Scene((*objects, Detection("blue", "bowl", (*BOWL, 0.0))), LOCATIONS)
    return SKILLS.verify(pick_and_place_option(block_name, target), scene, GEOMETRY)


def test_in_the_bowl() -> None:
    seen = verdict("red block", "blue bowl", block("red", BOWL[0] + 0.02, BOWL[1]))
    assert seen == Verdict(True, "red block seen in blue bowl")


def test_beside_the_bowl() -> None:
    seen = verdict("red block", "blue bowl", block("red", BOWL[0] + 0.09, BOWL[1]))
    assert not seen.holds and seen.checked
    assert seen.evidence == "red block seen on the table, 9 cm from the blue bowl"


def test_on_a_block_that_is_in_the_bowl() -> None:
    """The bowl's detection shifts when blocks cover part of it: the top block can be seen
    further than a bowl radius from it and still rest on a block inside it."""
    bottom = block("green", BOWL[0] + 0.045, BOWL[1])
    top = block("red", BOWL[0] + 0.065, BOWL[1], ONE_UP)
    seen = verdict("red block", "blue bowl", bottom, top)
    assert seen == Verdict(True, "red block seen on green block")
    alone = verdict("red block", "blue bowl", top)  # the same spot with nothing under it
    assert not alone.holds


def test_on_a_block_and_a_toppled_tower() -> None:
    green = block("green", 0.45, -0.10)
    stacked = verdict("red block", "green block", green, block("red", 0.455, -0.10, ONE_UP))
    assert stacked == Verdict(True, "red block seen on green block")
    toppled = verdict("red block", "green block", green, block("red", 0.50, -0.10))
    assert not toppled.holds
    assert toppled.evidence == "red block seen on the table, 5 cm from the green block"


@pytest.mark.parametrize("location", ["top left corner", "middle"])
def test_at_a_named_location(location: str) -> None:
    x, y = LOCATIONS[location]
    assert verdict("red block", location, block("red", x + 0.01, y)).holds
    away = verdict("red block", location, block("red", x + 0.08, y))
    assert not away.holds and away.evidence.endswith(f"8 cm from the {location}")


def test_a_block_that_is_not_seen() -> None:
    assert verdict("red block", "blue bowl") == Verdict(False, "red block not seen")


def test_a_bowl_hidden_by_the_blocks_in_it_is_kept_where_it_was() -> None:
    """A pink block in the pink bowl is one pink blob to a colour detector: the bowl is not
    seen, and the step that put the block there must still be seen to hold."""
    bowl = Detection("pink", "bowl", (*BOWL, 0.0))
    before = Scene((bowl, block("pink", 0.40, -0.10)), LOCATIONS)
    now = Scene((block("pink", BOWL[0] + 0.01, BOWL[1]),), LOCATIONS)
    kept = GEOMETRY.with_hidden(before, now)
    assert kept.get("pink bowl") == bowl
    assert SKILLS.verify(pick_and_place_option("pink block", "pink bowl"), kept,
                                 GEOMETRY).holds
    elsewhere = Scene((block("pink", 0.40, -0.10),), LOCATIONS)  # nothing in the bowl's place
    assert GEOMETRY.with_hidden(before, elsewhere).get("pink bowl") is None
