"""What every console script shares: its command line checked before Hydra sees it, pybullet's
banner silenced, and one line on stderr with exit status 2 for bad input."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn

from stackbot.overrides import UsageError, prepare


def fail(message: str, program: str = "stackbot") -> NoReturn:
    print(f"{program}: error: {message}", file=sys.stderr)
    sys.exit(2)


def import_pybullet_quietly() -> None:
    """Import pybullet with its build-time banner (written to stderr) silenced."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import pybullet  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def launch(app: Callable[[], None], program: str = "stackbot",
           config_name: str = "config") -> None:
    """Run a Hydra app after checking its command line (stackbot.overrides: any problem is one
    line and exit status 2); free-text values reach Hydra quoted for its grammar."""
    try:
        sys.argv[1:] = prepare(sys.argv[1:], config_name)
    except UsageError as error:
        fail(str(error), program)
    import_pybullet_quietly()
    app()
