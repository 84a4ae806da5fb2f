"""stackbot's task families as a Gymnasium environment (`pip install 'stackbot[gym]'`).

Importing the package registers `stackbot/Tabletop-v0` (nothing else is loaded until it is
made)::

    import gymnasium
    import stackbot_gym  # noqa: F401  (registers the environment)

    env = gymnasium.make("stackbot/Tabletop-v0", task="matching_bowls_v1")

See docs/gym.md; the environment is `stackbot_gym.env.TabletopEnv`, the planners as policies
`stackbot_gym.policies.planner_policy`.
"""

from __future__ import annotations

try:
    import gymnasium
except ImportError as error:  # pragma: no cover - depends on the installed extras
    raise ImportError("stackbot_gym needs gymnasium: pip install 'stackbot[gym]'") from error

ENV_ID = "stackbot/Tabletop-v0"

if ENV_ID not in gymnasium.registry:
    # No step limit here: the agent loop's own (`max_steps`) truncates the episode.
    gymnasium.register(id=ENV_ID, entry_point="stackbot_gym.env:TabletopEnv")

__all__ = ["ENV_ID"]
