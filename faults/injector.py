"""The fault injector: an episode's active faults, one random generator, the events that fired.

Seeded per episode: `reset(scene_seed)` at every scene reset draws from `(seed, scene_seed)`, so
the same task gives the same faults on every run. Steps are delimited by `drain()`, which the
agent calls once after every step (done() and steps not executed included): each fault's
decision for a step is drawn when it begins (at `reset` for the first, at each `drain` for the
next) and fires at most once in it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from drivers import ArmDriver
from faults.arm import FaultyArm
from faults.base import Fault, FaultEvent, InjectedArmFault, Motion, Simulation
from perception.types import Frame, Scene

if TYPE_CHECKING:
    from sim.world import World


class FaultInjector:
    """`FaultInjector(faults, seed)`; `wrap` the simulated arm, pass perception through
    `perceive`, `reset` at every scene reset, `drain` after every step."""

    def __init__(self, faults: Sequence[Fault], seed: int = 0) -> None:
        names = [fault.name for fault in faults]
        if len(set(names)) != len(names):
            raise ValueError(f"each fault at most once, got {names}")
        if seed < 0:
            raise ValueError(f"faults.seed must be >= 0, got {seed}")
        self.faults = tuple(faults)
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._events: list[FaultEvent] = []
        self._drained = 0
        self._drawn: dict[str, object] = {}
        self._let_go: str | None = None
        self._arm: FaultyArm | None = None
        self.step = -1  # the agent step events are recorded under; the first begins now
        self._begin_step()

    @property
    def fired(self) -> tuple[FaultEvent, ...]:
        """Every fault that fired in this episode."""
        return tuple(self._events)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(fault.name for fault in self.faults)

    @property
    def arm_in_fault(self) -> bool:
        """The wrapped arm is in a fault this injector put it in."""
        return self._arm is not None and self._arm.in_injected_fault

    def parameters(self) -> dict[str, dict[str, Any]]:
        """Each fault's name and parameters, as configured (`faults.<name>.<parameter>`)."""
        return {fault.name: dataclasses.asdict(fault) for fault in self.faults}

    def wrap(self, arm: ArmDriver, world: World) -> FaultyArm:
        """The simulated `arm` (moving in `world`) with this injector's faults."""
        self._arm = FaultyArm(Simulation(world, arm), self)
        return self._arm

    def reset(self, scene_seed: int) -> None:
        """A new episode on the scene seeded `scene_seed`: no events, step 0 drawn."""
        self._rng = np.random.default_rng([self.seed, scene_seed])
        self._events.clear()
        self._drained = 0
        self._let_go = None
        self.step = -1
        self._begin_step()

    def drain(self) -> tuple[FaultEvent, ...]:
        """The events since the last drain; ends the step (the next one's decisions drawn)."""
        events = tuple(self._events[self._drained:])
        self._drained = len(self._events)
        self._begin_step()
        return events

    def perceive(self, perceive: Callable[[], tuple[Frame, Scene]]) -> tuple[Frame, Scene]:
        """`perceive()` with the faults applied: a block let go of in this step may be moved
        first, then the scene it returns is faulted."""
        if self._let_go is not None:
            block, self._let_go = self._let_go, None
            sim = self._simulation()
            for fault in self._armed():
                self._fired(fault, fault.on_placed(self._drawn[fault.name], block, sim,
                                                   self._rng))
        frame, scene = perceive()
        for fault in self.faults:
            scene, detail = fault.on_scene(scene, self._rng)
            self._record(fault, detail)
        return frame, scene

    # called by FaultyArm -----------------------------------------------------------------------
    def on_motion(self, motion: Motion) -> bool:
        """Whether a fault sent `motion` (faulted) itself; raises InjectedArmFault."""
        sim = self._simulation()
        for fault in self._armed():
            try:
                detail = fault.on_motion(self._drawn[fault.name], motion, sim)
            except InjectedArmFault as error:
                self._fired(fault, str(error))
                raise
            if detail is not None:
                self._fired(fault, detail)
                return True
        return False

    def let_go(self, block: str) -> None:
        """The gripper opened on `block`."""
        self._let_go = block

    # internals ---------------------------------------------------------------------------------
    def _begin_step(self) -> None:
        self.step += 1
        self._drawn = {}
        for fault in self.faults:
            drawn = fault.draw(self._rng)
            if drawn is not None:
                self._drawn[fault.name] = drawn
        if self._arm is not None:
            self._arm.new_step()

    def _armed(self) -> list[Fault]:
        return [fault for fault in self.faults if fault.name in self._drawn]

    def _fired(self, fault: Fault, detail: str | None) -> None:
        """Record a per-step fault that fired: it does not fire again in this step."""
        if detail is not None:
            del self._drawn[fault.name]
            self._record(fault, detail)

    def _record(self, fault: Fault, detail: str | None) -> None:
        if detail is not None:
            self._events.append(FaultEvent(fault.name, self.step, detail))

    def _simulation(self) -> Simulation:
        if self._arm is None:
            raise RuntimeError("FaultInjector.wrap(arm, world) first")
        return self._arm.sim
