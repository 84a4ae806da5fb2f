"""Where task families register: `@register_family("name_v1")` on a module's generator, as
ManiSkill's `@register_env` does, fills `REGISTERED` when the module is imported (in whatever
order modules happen to be imported; `sim/tasks/registry.py` imports every shipped family and
orders them). What the benchmark groups a family by and whether demonstrations may be made from
it travel with the registration (`FamilyInfo`, in `INFO`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sim.tasks.task import Task

Generator = Callable[..., Task]  # (seed, wordings="train" | "held_out") -> Task
G = TypeVar("G", bound=Generator)

SUITES: tuple[str, ...] = ("core", "cap", "everyday")
CAP_CATEGORIES: tuple[str, ...] = ("long_horizon", "spatial_geometric", "unseen_instruction")
ATTRIBUTE_SPLITS: tuple[str, ...] = ("seen", "unseen")


@dataclass(frozen=True)
class FamilyInfo:
    """suite: the group `tasks=<suite>` selects (`core`: the thirteen first families; `cap`: Code
    as Policies' tabletop instruction kinds; `everyday`: commands beyond the paper).
    trainable: demonstrations may be made from it (a family kept for measuring generalisation
    is not; `stackbot-tune --every-kind` lifts the mark). For a `cap` family: its `category`
    (the paper's table row), `kind` (its instruction kind) and `attributes` (whether its
    colours, locations, directions, ... are the paper's seen or unseen ones). colors: the
    colours its scenes draw from (empty: the core families' pools, `sim.tasks.task`)."""

    suite: str = "core"
    trainable: bool = True
    category: str = ""
    kind: str = ""
    attributes: str = ""
    colors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.suite not in SUITES:
            raise ValueError(f"unknown suite {self.suite!r} (expected one of {', '.join(SUITES)})")
        if self.suite == "cap" and (self.category not in CAP_CATEGORIES
                                    or self.attributes not in ATTRIBUTE_SPLITS or not self.kind):
            raise ValueError(f"a cap family needs a category ({', '.join(CAP_CATEGORIES)}), an "
                             f"attribute split ({', '.join(ATTRIBUTE_SPLITS)}) and a kind: {self}")


REGISTERED: dict[str, Generator] = {}
INFO: dict[str, FamilyInfo] = {}


def register_family(family: str, info: FamilyInfo | None = None) -> Callable[[G], G]:
    """Register the decorated generator as the task family `family` (a stable snake_case id
    with a version suffix), described by `info` (default: a trainable core family)."""
    def register(generate: G) -> G:
        if family in REGISTERED:
            raise ValueError(f"task family {family!r} is registered twice")
        REGISTERED[family] = generate
        INFO[family] = info or FamilyInfo()
        return generate
    return register
