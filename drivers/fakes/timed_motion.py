"""A motion on a fake controller's clock, shared by the SDK fakes: it starts after the command
arrives, takes its time, and can be stopped part way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Motion:
    """One commanded motion (time.monotonic): from `frm` to `to` between `start` and `end`;
    `commanded` is when the command arrived. `kind` is the SDK's own word for what moves (a
    pose, the joints). `interpolated`: how many leading values move smoothly (None: all; the
    rest, e.g. a pose's rotation vector, which a fake does not interpolate, keep the target's)."""

    kind: str
    frm: list[float]
    to: list[float]
    commanded: float
    start: float
    end: float
    stopped: bool = False
    interpolated: int | None = None

    def at(self, now: float) -> list[float]:
        if now >= self.end or self.end <= self.start:
            return list(self.to)
        share = max(0.0, (now - self.start) / (self.end - self.start))
        n = len(self.to) if self.interpolated is None else self.interpolated
        return [*(a + (b - a) * share for a, b in zip(self.frm[:n], self.to[:n], strict=True)),
                *self.to[n:]]
