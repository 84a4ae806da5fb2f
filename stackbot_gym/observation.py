"""The environment's spaces, and what a policy observes at each decision.

An observation is a dict:

- `image`: the camera frame the scene was perceived in, `Box(0, 255, (H, W, 3), uint8)`;
- `instruction`: the command, `Text`;
- `scene`: the scene as the planner's prompt shows it, `Text`
  (`objects = [red block, blue bowl]` and `state = [red block on the table]` on two lines);
- `options`: the skill calls offered now, in the loop's order, `done()` among them,
  `Sequence(Text)` (a tuple of strings whose length changes from step to step);
- `affordances`: each option's affordance in [0, 1] at its index, 0 past the last option,
  `Box(0, 1, (max_options,), float32)`.

The action is the index of an option: `Discrete(max_options)`; the indices of the options
offered now are True in `info["action_mask"]`. Every text is printable ASCII.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from perception.types import Scene
from skills.relations import describe_state
from skills.types import AffordedOption

CHARSET = string.printable


@dataclass(frozen=True)
class ObservationSpaces:
    """The spaces for a camera of `height` x `width` pixels and at most `max_options` options
    per step; the texts' longest lengths."""

    height: int
    width: int
    max_options: int
    instruction_chars: int = 512
    scene_chars: int = 4096
    option_chars: int = 256

    def __post_init__(self) -> None:
        if self.height < 1 or self.width < 1:
            raise ValueError(f"bad image size {self.width}x{self.height}")
        if self.max_options < 1:
            raise ValueError(f"max_options must be at least 1, got {self.max_options}")

    @functools.cached_property
    def observation(self) -> spaces.Dict:
        return spaces.Dict({
            "image": spaces.Box(0, 255, (self.height, self.width, 3), np.uint8),
            "instruction": spaces.Text(self.instruction_chars, charset=CHARSET),
            "scene": spaces.Text(self.scene_chars, charset=CHARSET),
            "options": spaces.Sequence(spaces.Text(self.option_chars, charset=CHARSET)),
            "affordances": spaces.Box(0.0, 1.0, (self.max_options,), np.float32),
        })

    @functools.cached_property
    def action(self) -> spaces.Discrete:
        return spaces.Discrete(self.max_options)

    def observe(self, rgb: np.ndarray, instruction: str, scene: Scene,
                afforded: Sequence[AffordedOption]) -> dict[str, Any]:
        """The observation (new arrays every time: a policy may keep them); ValueError when the
        scene offers more options than `max_options` or a text does not fit its space."""
        if len(afforded) > self.max_options:
            raise ValueError(f"the scene offers {len(afforded)} options, more than "
                             f"max_options={self.max_options}: make the environment with a "
                             "larger max_options")
        affordances = np.zeros(self.max_options, np.float32)
        affordances[:len(afforded)] = [a.affordance for a in afforded]
        observation = {
            "image": np.array(rgb, dtype=np.uint8, copy=True),
            "instruction": instruction,
            "scene": scene_text(scene),
            "options": tuple(a.option.text for a in afforded),
            "affordances": affordances,
        }
        space = self.observation
        for key in ("instruction", "scene"):
            _check_text(key, observation[key], space[key])
        for text in observation["options"]:
            _check_text("option", text, space["options"].feature_space)
        return observation

    def action_mask(self, afforded: Sequence[AffordedOption]) -> np.ndarray:
        mask = np.zeros(self.max_options, np.int8)
        mask[:len(afforded)] = 1
        return mask


def scene_text(scene: Scene) -> str:
    """The scene as the planner's prompt shows it: its objects and their relations."""
    return f"{scene.describe()}\n{describe_state(scene)}"


def _check_text(key: str, text: str, space: spaces.Text) -> None:
    if not space.contains(text):
        odd = sorted({c for c in text if c not in CHARSET})
        why = (f"characters outside printable ASCII {odd}" if odd
               else f"{len(text)} characters, at most {space.max_length}")
        raise ValueError(f"the {key} text does not fit its space ({why}): {text[:60]!r}")
