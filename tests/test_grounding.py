"""Which objects an instruction names that the scene does not hold (pure logic)."""

from __future__ import annotations

from perception.types import Detection, Scene
from planner.grounding import mentioned_objects, spelt_as_seen, ungrounded_mentions

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


def test_names_misspelt_by_one_slip_are_spelt_as_the_scene_has_them() -> None:
    scene = Scene(SCENE.objects + (Detection("gray", "bowl", (0.5, 0.2, 0.0)),
                                   Detection("green", "block", (0.3, 0.1, 0.02))))
    assert spelt_as_seen("put the rde blok in the bleu bwol", scene) == (
        "put the red block in the blue bowl")
    assert spelt_as_seen("Put the Red block in the grey bowl.", scene) == (
        "Put the Red block in the gray bowl.")
    assert spelt_as_seen("stack the bllocks on the gren one", scene) == (
        "stack the blocks on the green one")
    assert spelt_as_seen("put the red block on the gren", scene) == (
        "put the red block on the gren")  # a colour is read before a kind word or "one" only
    assert spelt_as_seen("put the gren block in the blue bowl", scene) == (
        "put the green block in the blue bowl")


def test_no_name_is_made_up() -> None:
    assert spelt_as_seen("put the bleu block in the blue bowl", SCENE) == (
        "put the bleu block in the blue bowl")  # no blue block: it stays, as typed
    assert spelt_as_seen("put the purple block in the bowl", SCENE) == (
        "put the purple block in the bowl")
    rex = Scene(SCENE.objects + (Detection("rex", "bowl", (0.5, 0.2, 0.0)),))
    assert spelt_as_seen("put the red block in the red bowl", rex) == (
        "put the red block in the red bowl")  # a colour spelt right is never another one
    two = Scene((Detection("red", "block", (0.4, 0.0, 0.02)),
                 Detection("red", "bowl", (0.6, 0.1, 0.0))))
    assert spelt_as_seen("put the red blowk in the red bowl", two) == (
        "put the red block in the red bowl")
    assert spelt_as_seen("put the red block, then the red bowl", two) == (
        "put the red block, then the red bowl")
