"""Which objects an instruction names that the scene does not hold (pure logic)."""

from __future__ import annotations

from perception.types import Detection, Scene
from planner.grounding import mentioned_objects, ungrounded_mentions

SCENE = Scene((Detection("red", "block", (0.4, 0.0, 0.02)),
               Detection("blue", "bowl", (0.6, 0.1, 0.0))))


def test_mentions_are_colour_and_kind_in_order() -> None:
    assert mentioned_objects("Put the Purple block in the red bowl, then the red cube too") == [
        "purple block", "red bowl", "red block"]
    assert mentioned_objects("stack all the blocks in the middle") == []
    assert mentioned_objects("put the blue blocks in the gray bowls") == ["blue block", "gray bowl"]


def test_ungrounded_mentions() -> None:
    assert ungrounded_mentions("put the red block in the blue bowl", SCENE) == []
    assert ungrounded_mentions("put the purple block in the red bowl", SCENE) == [
        "purple block", "red bowl"]
    assert ungrounded_mentions("put the red block in the top left corner", SCENE) == []
