"""`stackbot-arm-server robot=panda_sim`: serve one arm over the network (see remote.server).

The same conf tree as `stackbot`: any `robot=` config can be served; a simulated arm brings its
World, which the server also serves (frames, scene resets, ground truth).
"""

from __future__ import annotations

import asyncio
import logging

import hydra
from omegaconf import DictConfig

from stackbot.launch import fail, launch
from tools.user_errors import user_error

log = logging.getLogger("stackbot.arm_server")

SERVER_KEYS = ("host", "port", "heartbeat_timeout", "tls_cert", "tls_key", "auth_timeout",
               "max_connections", "max_unauthenticated", "auth_grace", "max_in_flight")


def serve(cfg: DictConfig) -> None:
    from agent.arms import build_arm
    from agent.config import build, is_simulated
    from remote.protocol import check_token, load_token
    from remote.server import ArmServer, ServerSettings

    token = load_token(cfg.server.get("token_env"), cfg.server.get("token_file"))
    check_token(token)  # before the arm is built
    settings = ServerSettings(**{k: cfg.server[k] for k in SERVER_KEYS if k in cfg.server})
    world = build(cfg.sim) if is_simulated(cfg.robot) else None
    try:
        arm = build_arm(cfg, world)
        server = ArmServer(arm, token, settings, world=world)

        def ready(port: int) -> None:
            print(f"stackbot-arm-server: {arm.info.name} on {settings.host}:{port}"
                  f"{' (TLS)' if settings.tls_cert else ''}", flush=True)

        with arm:
            asyncio.run(server.serve(ready))
    except KeyboardInterrupt:
        pass
    finally:
        if world is not None:
            world.close()


@hydra.main(config_path="pkg://conf", config_name="arm_server", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    try:
        serve(cfg)
    except Exception as error:  # noqa: BLE001 - bad input becomes one line, the rest re-raises
        message = user_error(error) or (str(error) if isinstance(error, OSError) else None)
        if message is None:
            raise
        fail(message, "stackbot-arm-server")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    launch(_app, "stackbot-arm-server", "arm_server")


if __name__ == "__main__":
    main()
