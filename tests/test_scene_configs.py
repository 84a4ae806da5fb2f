"""Sweep: every scene config under conf/scene/ builds a scene in the simulator that every
perception config under conf/perception/ sees whole (right colours and kinds, positions within
1 cm), through the session as the CLI builds it."""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from agent.session import build, open_session

pytestmark = pytest.mark.sim


def _configs(group: str) -> list[str]:
    return sorted(Path(str(p)).stem for p in files("conf").joinpath(group).iterdir()
                  if str(p).endswith(".yaml"))


@pytest.mark.parametrize("perception", _configs("perception"))
@pytest.mark.parametrize("scene", _configs("scene"))
def test_every_scene_config_is_seen_by_every_detector(scene: str, perception: str) -> None:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["instruction=unused", f"scene={scene}",
                                           f"perception={perception}", "planner=scripted"])
    session = open_session(cfg, load_model=False)
    try:
        spec = build(cfg.scene)
        session.reset(spec)
        _, seen = session.perceive()
        truth = session.world.object_poses()
        expected = {f"{c} block" for c in spec.blocks} | {f"{c} bowl" for c in spec.bowls}
        assert {d.name for d in seen.objects} == expected == set(truth)
        for detection in seen.objects:
            assert math.dist(detection.position, truth[detection.name].position) < 0.01
        assert seen.describe().startswith("objects = [")
    finally:
        session.close()
