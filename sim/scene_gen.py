"""Scene specifications and seeded layouts: which objects, and where they start."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from perception.palette import PALETTE
from skills.workspace import Workspace


@dataclass(frozen=True)
class SceneSpec:
    """Colours of the blocks and bowls on the table; `seed` fixes their layout. `start_on`:
    blocks that start on another object rather than on the table, as (block, support) names,
    e.g. (("red block", "blue bowl"), ("green block", "red block")): the red block in the blue
    bowl, the green block on it; at most one block on each support."""

    blocks: tuple[str, ...]
    bowls: tuple[str, ...] = ()
    seed: int = 0
    start_on: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # accept any sequence (e.g. a list from a config file); store tuples so specs hash
        object.__setattr__(self, "blocks", tuple(str(c) for c in self.blocks))
        object.__setattr__(self, "bowls", tuple(str(c) for c in self.bowls))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "start_on", tuple((str(a), str(b)) for a, b in self.start_on))
        for kind, colors in (("block", self.blocks), ("bowl", self.bowls)):
            for color in colors:
                if color not in PALETTE:
                    raise ValueError(
                        f"unknown {kind} colour {color!r}; expected one of {sorted(PALETTE)}"
                    )
            if len(set(colors)) != len(colors):
                raise ValueError(f"{kind} colours must be distinct, got {colors}")
        self._check_start_on()

    def _check_start_on(self) -> None:
        blocks = {f"{c} block" for c in self.blocks}
        supports = [support for _, support in self.start_on]
        for block, support in self.start_on:
            if block not in blocks or support not in self.names or block == support:
                raise ValueError(f"start_on ({block}, {support}): a block of the scene on "
                                 f"another object of it (have {', '.join(self.names)})")
        if len(set(supports)) != len(supports) or len({b for b, _ in self.start_on}) != len(
                self.start_on):
            raise ValueError(f"start_on {self.start_on}: one block on each support, each "
                             "block on one")
        for block, _ in self.start_on:
            seen, below = {block}, self.support_of(block)
            while below is not None:
                if below in seen:
                    raise ValueError(f"start_on {self.start_on}: a circle of supports")
                seen.add(below)
                below = self.support_of(below)

    def support_of(self, block: str) -> str | None:
        """What the block starts on (None: the table)."""
        return next((support for b, support in self.start_on if b == block), None)

    def support_chain(self, block: str) -> list[str]:
        """The block's supports at the start, nearest first (empty: on the table)."""
        chain: list[str] = []
        below = self.support_of(block)
        while below is not None and below not in chain and len(chain) <= len(self.start_on):
            chain.append(below)
            below = self.support_of(below)
        return chain

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f"{c} block" for c in self.blocks) + tuple(f"{c} bowl" for c in self.bowls)


def random_scene_spec(
    seed: int, n_blocks: tuple[int, int] = (2, 5), n_bowls: tuple[int, int] = (1, 4)
) -> SceneSpec:
    """Draw distinct block colours and distinct bowl colours; counts inclusive ranges."""
    rng = np.random.default_rng(seed)
    colors = list(PALETTE)
    nb = int(rng.integers(n_blocks[0], n_blocks[1] + 1))
    nw = int(rng.integers(n_bowls[0], n_bowls[1] + 1))
    blocks = tuple(str(c) for c in rng.choice(colors, size=nb, replace=False))
    bowls = tuple(str(c) for c in rng.choice(colors, size=nw, replace=False))
    return SceneSpec(blocks=blocks, bowls=bowls, seed=seed)


class TableTooSmallError(ValueError):
    """The scene's objects do not all fit on the table apart from one another."""


@dataclass(frozen=True)
class Placement:
    x: float
    y: float
    yaw: float


def sample_layout(
    spec: SceneSpec,
    workspace: Workspace,
    radii: dict[str, float],
    *,
    edge_margin: float = 0.04,
    clearance: float = 0.02,
    yaw_range: float = 0.2,
    fixed: dict[str, tuple[float, float]] | None = None,
    max_tries: int = 2000,
) -> dict[str, Placement]:
    """Non-overlapping positions inside the workspace for every object of `spec`.

    radii maps a kind ("block"/"bowl") to its footprint radius. Bowls are placed first (largest).
    Positions in `fixed` are used as given (not checked against the margin). TableTooSmallError
    when an object finds no free spot in `max_tries` draws.
    """
    rng = np.random.default_rng(spec.seed)
    fixed = dict(fixed or {})
    placed: dict[str, tuple[float, float, float]] = {}
    out: dict[str, Placement] = {}
    blocks = [f"{c} block" for c in spec.blocks]
    if spec.start_on:  # supports first, so that a block on one takes its place
        blocks.sort(key=lambda b: len(spec.support_chain(b)))
    names = [f"{c} bowl" for c in spec.bowls] + blocks
    for name in names:
        kind = name.rsplit(" ", 1)[1]
        radius = radii[kind]
        yaw = float(rng.uniform(-yaw_range, yaw_range)) if kind == "block" else 0.0
        support = spec.support_of(name) if spec.start_on else None
        if support is not None:  # on its support: no spot of its own on the table
            out[name] = Placement(out[support].x, out[support].y, yaw)
            continue
        if name in fixed:
            x, y = fixed.pop(name)
        else:
            free = _sample_free(rng, workspace, radius, edge_margin, clearance, placed, max_tries)
            if free is None:
                raise TableTooSmallError(
                    f"the table is too small for the scene ({len(spec.blocks)} blocks, "
                    f"{len(spec.bowls)} bowls): no room for the {name} clear of the "
                    f"{len(placed)} objects placed before it; use fewer objects")
            x, y = free
        placed[name] = (x, y, radius)
        out[name] = Placement(float(x), float(y), yaw)
    if fixed:
        raise ValueError(f"fixed positions for objects not in the scene: {sorted(fixed)}")
    return out


def _sample_free(rng, workspace, radius, edge_margin, clearance, placed, max_tries
                 ) -> tuple[float, float] | None:
    lo_x, hi_x = workspace.x_min + radius + edge_margin, workspace.x_max - radius - edge_margin
    lo_y, hi_y = workspace.y_min + radius + edge_margin, workspace.y_max - radius - edge_margin
    for _ in range(max_tries):
        x, y = rng.uniform(lo_x, hi_x), rng.uniform(lo_y, hi_y)
        if all(math.hypot(x - px, y - py) >= radius + pr + clearance
               for px, py, pr in placed.values()):
            return float(x), float(y)
    return None
