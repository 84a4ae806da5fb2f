"""Option enumeration and affordances on hand-built scenes (pure logic)."""

from __future__ import annotations

import pytest

from perception.types import Detection, Scene
from skills.library.pick_and_place import pick_and_place_option
from skills.options import DONE_OPTION, AffordanceModel, enumerate_options
from skills.skill_set import SkillSet
from skills.types import Option
from skills.workspace import LOCATION_NAMES, Workspace
from tests.skill_sets import SKILLS

LOCATIONS = Workspace().named_locations()


def scene(*objects: tuple[str, str, tuple[float, float, float]]) -> Scene:
    return Scene(
        tuple(Detection(color, kind, position) for color, kind, position in objects),  # type: ignore[arg-type]
        LOCATIONS,
    )


def test_every_block_goes_to_every_other_object_and_location() -> None:
    table = scene(("red", "block", (0.4, 0.1, 0.02)), ("green", "block", (0.5, -0.1, 0.02)),
                  ("blue", "bowl", (0.6, 0.0, 0.0)))
    options = enumerate_options(table, SKILLS)
    assert options[-1] == DONE_OPTION
    pick = [o for o in options if not o.is_done]
    assert len(pick) == 2 * (2 + len(LOCATION_NAMES))
    assert pick_and_place_option("red block", "blue bowl") in pick
    assert pick_and_place_option("red block", "green block") in pick
    assert all(o.args[0] != o.args[1] for o in pick)
    assert not any(o.args[0] == "blue bowl" for o in pick), "bowls are never picked"


def test_option_texts_and_their_order_are_the_tuned_ones() -> None:
    """The planner's adapter was tuned on these texts in this order: blocks first, by name."""
    table = Scene((Detection("red", "block", (0.4, 0.1, 0.02)),
                   Detection("blue", "bowl", (0.6, 0.0, 0.0)),
                   Detection("green", "block", (0.5, -0.1, 0.02))), {"middle": (0.5, 0.0)})
    assert [o.text for o in enumerate_options(table, SKILLS)] == [
        "robot.pick_and_place(green block, red block)",
        "robot.pick_and_place(green block, blue bowl)",
        "robot.pick_and_place(green block, middle)",
        "robot.pick_and_place(red block, green block)",
        "robot.pick_and_place(red block, blue bowl)",
        "robot.pick_and_place(red block, middle)",
        "done()",
    ]
    assert enumerate_options(table, SKILLS) == SKILLS.options(table)


def test_a_call_of_a_skill_the_set_lacks_is_not_afforded() -> None:
    table = scene(("red", "block", (0.4, 0.1, 0.02)))
    push = Option("push", ("red block",), "robot.push(red block)")
    pushed, done = AffordanceModel().afford([push, DONE_OPTION], table, skills=SKILLS)
    assert pushed.affordance == 0.0 and pushed.reason == "unknown skill call robot.push(red block)"
    assert done.affordance == 1.0
    with pytest.raises(ValueError, match="at least one skill"):
        SkillSet(())


def test_affordance_vetoes_what_the_robot_cannot_do() -> None:
    table = scene(
        ("red", "block", (0.4, 0.1, 0.02)),
        ("green", "block", (0.4, 0.1, 0.06)),  # on the red block
        ("yellow", "block", (0.55, 0.0, 0.02)),  # in the blue bowl
        ("blue", "bowl", (0.55, 0.0, 0.0)),
        ("cyan", "block", (*LOCATIONS["middle"], 0.02)),
    )
    model = AffordanceModel()
    options = enumerate_options(table, SKILLS)
    afforded = {a.option.text: a for a in model.afford(options, table, skills=SKILLS)}
    def value(obj: str, target: str) -> float:
        return afforded[f"robot.pick_and_place({obj}, {target})"].affordance

    assert value("red block", "blue bowl") == 0.0  # covered by the green block
    assert "on top" in afforded["robot.pick_and_place(red block, blue bowl)"].reason
    assert value("green block", "red block") == 0.0  # already there
    assert value("yellow block", "red block") == 0.0  # the red block is covered
    assert value("yellow block", "blue bowl") == 0.0  # already in it
    assert value("green block", "middle") == 0.0  # occupied by the cyan block
    assert value("green block", "blue bowl") == 1.0
    assert value("green block", "top left corner") == 1.0
    assert afforded["done()"].affordance == 1.0


def test_reach_and_confidence_scale_the_affordance() -> None:
    table = Scene((Detection("red", "block", (0.4, 0.1, 0.02), 0.8),
                   Detection("blue", "bowl", (0.6, 0.0, 0.0), 0.9)), LOCATIONS)
    model = AffordanceModel(done_prior=0.5)
    options = [pick_and_place_option("red block", "blue bowl"), DONE_OPTION]
    near, done = model.afford(options, table, skills=SKILLS)
    assert near.affordance == pytest.approx(0.8)
    assert done.affordance == 0.5
    far = model.afford(options, table, reach=lambda point: point[0] < 0.5, skills=SKILLS)[0]
    assert far.affordance == 0.0 and far.reason == "out of reach"


def test_done_prior_is_validated() -> None:
    with pytest.raises(ValueError, match="done_prior"):
        AffordanceModel(done_prior=2.0)
