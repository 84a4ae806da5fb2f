"""Where task families register: `@register_family("name_v1")` on a module's generator, as
ManiSkill's `@register_env` does, fills `REGISTERED` when the module is imported (in whatever
order modules happen to be imported; `sim/tasks/registry.py` imports every shipped family and
orders them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sim.tasks.task import Task

Generator = Callable[..., Task]  # (seed, wordings="train" | "held_out") -> Task
G = TypeVar("G", bound=Generator)

REGISTERED: dict[str, Generator] = {}


def register_family(family: str) -> Callable[[G], G]:
    """Register the decorated generator as the task family `family` (a stable snake_case id
    with a version suffix)."""
    def register(generate: G) -> G:
        if family in REGISTERED:
            raise ValueError(f"task family {family!r} is registered twice")
        REGISTERED[family] = generate
        return generate
    return register
