"""The spatial facts of the prompt (`skills.space`) on hand-made scenes, and where the prompt
puts them (`planner.prompt.PromptBuilder(space=...)`, the transcript-v2 to -v5 forms)."""

from __future__ import annotations

from planner.prompt import PromptBuilder
from planner.saycan import TUNED_PROMPTS
from skills.relations import on_the_table
from skills.space import (
    around,
    describe_space,
    describe_space_asked,
    describe_space_keyed,
    describe_space_phrases,
    orderings,
)
from skills.workspace import Workspace

LOCATIONS = Workspace().named_locations()
SCENE = on_the_table([("red block", (0.6, -0.1)), ("green block", (0.4, 0.2)),
                      ("yellow block", (0.5, -0.2)), ("blue bowl", (0.5, 0.0)),
                      ("gray bowl", (0.35, -0.2))], LOCATIONS)
GRAY_BOWL_LINES = [  # the gray bowl has nothing to its right or bottom
    "block to the left of the gray bowl: red block, green block",
    "block to the top of the gray bowl: green block, yellow block, red block",
    "block closest to the gray bowl: yellow block",
    "block farthest from the gray bowl: green block",
    "corner closest to the gray bowl: bottom right corner",
    "corner farthest from the gray bowl: top left corner",
]


def test_orderings_read_the_table_as_the_camera_image_does() -> None:
    """Left is +y, top is +x; every ordering is written out both ways."""
    assert orderings(SCENE) == [
        "blocks from the left = [green block, red block, yellow block]",
        "blocks from the right = [yellow block, red block, green block]",
        "blocks from the top = [red block, yellow block, green block]",
        "blocks from the bottom = [green block, yellow block, red block]",
    ]


def test_around_a_bowl_lists_each_side_nearest_first_and_the_extremes() -> None:
    blue = SCENE.get("blue bowl")
    assert blue is not None
    assert around(blue, SCENE) == (
        "blue bowl: left [green block], right [red block, yellow block], top [red block], "
        "bottom [green block], closest red block, farthest green block, "
        "closest corner top left corner, farthest corner bottom right corner")


def test_an_object_on_a_bowls_centre_line_is_on_neither_side_of_it() -> None:
    scene = on_the_table([("red block", (0.5, 0.01)), ("blue bowl", (0.5, 0.0))], LOCATIONS)
    bowl = scene.get("blue bowl")
    assert bowl is not None
    assert around(bowl, scene).startswith("blue bowl: left [], right [], top [], bottom []")


def test_no_blocks_no_orderings() -> None:
    scene = on_the_table([("blue bowl", (0.5, 0.0))], LOCATIONS)
    assert describe_space(scene) == [
        "blue bowl: left [], right [], top [], bottom [], closest corner top left corner, "
        "farthest corner bottom right corner"]


def test_the_v2_prompt_puts_the_facts_under_the_first_objects_line_only() -> None:
    v1, v2 = TUNED_PROMPTS["transcript-v1"], TUNED_PROMPTS["transcript-v2"]
    command = "put the block closest to the blue bowl in the top left corner"
    plain, spatial = v1.build(command, SCENE), v2.build(command, SCENE)
    assert spatial.splitlines()[0] == plain.splitlines()[0] == SCENE.describe()
    assert spatial.splitlines()[1:1 + len(describe_space(SCENE))] == describe_space(SCENE)
    assert [line for line in spatial.splitlines() if line not in describe_space(SCENE)] == (
        plain.splitlines())
    assert not PromptBuilder().space


def test_the_phrases_form_says_each_relation_in_the_commands_words() -> None:
    """transcript-v3: ordinals beside the names, one relation of a bowl a line, empty sides
    left out (the gray bowl has nothing to its right or bottom)."""
    assert describe_space_phrases(SCENE) == [
        "blocks from the left: first green block, second red block, third yellow block",
        "blocks from the right: first yellow block, second red block, third green block",
        "blocks from the top: first red block, second yellow block, third green block",
        "blocks from the bottom: first green block, second yellow block, third red block",
        "block to the left of the blue bowl: green block",
        "block to the right of the blue bowl: red block, yellow block",
        "block to the top of the blue bowl: red block",
        "block to the bottom of the blue bowl: green block",
        "block closest to the blue bowl: red block",
        "block farthest from the blue bowl: green block",
        "corner closest to the blue bowl: top left corner",
        "corner farthest from the blue bowl: bottom right corner",
        *GRAY_BOWL_LINES,
    ]
    command = "pick up the second block from the left and place it on the top side"
    prompt = TUNED_PROMPTS["transcript-v3"].build(command, SCENE).splitlines()
    assert prompt[1:1 + len(describe_space_phrases(SCENE))] == describe_space_phrases(SCENE)
    assert prompt[0] == SCENE.describe()


def test_the_keyed_form_writes_each_ordinal_as_a_command_says_it() -> None:
    """transcript-v4: one line per ordinal and side; of the bowls only those named."""
    lines = describe_space_keyed(SCENE, ["gray bowl", "red block"])
    assert lines[:3] == ["first block from the left: green block",
                         "second block from the left: red block",
                         "third block from the left: yellow block"]
    assert "second block from the bottom: yellow block" in lines
    assert len([line for line in lines if " block from the " in line]) == 12
    assert lines[12:] == GRAY_BOWL_LINES
    assert describe_space_keyed(SCENE) == lines[:12]


def test_the_v4_prompt_keeps_the_facts_of_the_bowls_the_command_names() -> None:
    v4 = TUNED_PROMPTS["transcript-v4"]
    named = v4.build("pick up the block closest to the blue bowl and place it on the top side",
                     SCENE).splitlines()
    assert "block closest to the blue bowl: red block" in named
    assert not [line for line in named if "gray bowl:" in line]
    unnamed = v4.build("stack all the blocks", SCENE).splitlines()
    assert unnamed[1:13] == describe_space_keyed(SCENE)
    assert unnamed[13] == "# stack all the blocks."


def test_the_asked_form_keeps_the_lines_a_reference_asks_about() -> None:
    """transcript-v5: an ordinal line needs its ordinal and "from the <side>"; a side line
    "to the <side> of the <bowl>"; a distance line the word or one meaning the same."""
    def asked(command: str) -> list[str]:
        return describe_space_asked(SCENE, ["gray bowl", "blue bowl"], command)

    assert asked("pick up the third block from the bottom and place it on the top side") == [
        "third block from the bottom: red block"]
    assert asked("counting from the left, take the second block and put it on the top side") == [
        "second block from the left: red block"]
    assert asked("take the block that is to the left of the gray bowl and put it on the "
                 "right side") == ["block to the left of the gray bowl: red block, green block"]
    assert asked("place the red block in the corner nearest to the gray bowl") == [
        "block closest to the blue bowl: red block",
        "corner closest to the blue bowl: top left corner",
        "block closest to the gray bowl: yellow block",
        "corner closest to the gray bowl: bottom right corner"]
    assert asked("put all the blocks on the top left corner") == []
    assert describe_space_asked(SCENE, ["gray bowl"], "pick up the FARTHEST block from the "
                                "gray bowl") == [
        "block farthest from the gray bowl: green block",
        "corner farthest from the gray bowl: top left corner"]


def test_the_v5_prompt_has_no_spatial_lines_for_a_command_without_a_reference() -> None:
    v5 = TUNED_PROMPTS["transcript-v5"]
    assert v5.build("stack all the blocks", SCENE).splitlines()[:2] == [
        SCENE.describe(), "# stack all the blocks."]
    farthest = v5.build("pick up the block farthest from the gray bowl and place it on the "
                        "left side", SCENE).splitlines()
    assert farthest[1:3] == ["block farthest from the gray bowl: green block",
                             "corner farthest from the gray bowl: top left corner"]
