"""Whether PyBullet's GUI can open here (checked before pybullet is imported or anything loads)."""

from __future__ import annotations

import os
import sys


def gui_unavailable() -> str | None:
    """Why sim.gui=true cannot work on this machine, or None."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        return ("sim.gui=true needs a display and DISPLAY is not set (run without sim.gui, or "
                "under xvfb-run)")
    return None
