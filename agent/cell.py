"""The table of a real cell: what a session with a real arm and a real camera knows of the world
without a simulator (the workspace and its named locations; nothing to reset, no ground truth)."""

from __future__ import annotations

from perception.types import Detection
from skills.workspace import Workspace


class RealTable:
    def __init__(self, workspace: Workspace | None = None) -> None:
        self.workspace = workspace or Workspace()

    def reset(self, scene_spec: object = None, positions: object = None) -> None:
        """A real table is as the person left it: nothing to set up."""

    def oracle_detections(self) -> tuple[Detection, ...]:
        raise ValueError("perception=oracle needs the simulator's ground truth; a real cell has "
                         "none (perception=opencv)")

    def close(self) -> None:
        pass
