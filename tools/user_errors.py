"""The one line a person sees for an error their input or setup caused (a bug keeps its
traceback)."""

from __future__ import annotations

from hydra.errors import InstantiationException
from omegaconf.errors import MissingMandatoryValue

from drivers import ArmError
from records.run_dir import RunDirectoryError


def user_error(error: BaseException) -> str | None:
    """The one-line message for an error caused by the person's input or setup (bad values, a
    missing file, an endpoint or arm that cannot be reached, a run directory that cannot be
    written), also when Hydra wrapped it while instantiating; None for anything else (a bug: it
    keeps its traceback)."""
    if isinstance(error, InstantiationException) and error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, ArmError):
        return f"arm: {error}"
    if isinstance(error, RunDirectoryError):
        return str(error)
    if isinstance(error, MissingMandatoryValue):  # a `???` in the config, e.g. a camera's file
        return f"{error.full_key} must be given ({error.full_key}=...)"
    if isinstance(error, (FileNotFoundError, ValueError, ConnectionError)):
        return str(error)  # UsageError is a ValueError; ConnectionError: an LLM endpoint
    return None
