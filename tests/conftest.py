"""Shared fixtures: one simulated world per arm model and test session (PyBullet DIRECT)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hydra import compose, initialize_config_module

from agent.session import SimSession, open_session
from sim.arm import SimArmDriver
from sim.world import World
from tests.browser import Chromium, Page, find_chromium


@pytest.fixture(scope="session")
def sim_world() -> Iterator[World]:
    with World() as world:
        yield world


@pytest.fixture(scope="session")
def sim_arm(sim_world: World) -> Iterator[SimArmDriver]:
    with SimArmDriver(sim_world) as arm:
        yield arm  # type: ignore[misc]


@pytest.fixture(scope="session")
def xarm_world() -> Iterator[World]:
    with World() as world:
        yield world


@pytest.fixture(scope="session")
def xarm_arm(xarm_world: World) -> Iterator[SimArmDriver]:
    with SimArmDriver(xarm_world, model="xarm6") as arm:
        yield arm  # type: ignore[misc]


@pytest.fixture(params=["panda", "xarm6"])
def any_sim_arm(request: pytest.FixtureRequest) -> tuple[World, SimArmDriver]:
    """Each simulated arm model with its world (the session fixtures above)."""
    if request.param == "panda":
        return request.getfixturevalue("sim_world"), request.getfixturevalue("sim_arm")
    return request.getfixturevalue("xarm_world"), request.getfixturevalue("xarm_arm")


@pytest.fixture(scope="module")
def scripted_opencv_session() -> Iterator[SimSession]:
    """The installed config with the scripted planner (no model) and OpenCV perception."""
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["planner=scripted", "perception=opencv",
                                           "instruction=unused"])
    session = open_session(cfg, load_model=False)
    yield session
    session.close()


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    """A tab of a real headless Chromium (skipped, saying why, when none is installed)."""
    if find_chromium() is None:
        pytest.skip("no Chromium installed (apt-get install chromium): the reports are checked "
                    "in a real browser")
    with Chromium() as browser:
        page = browser.page()
        try:
            yield page
        finally:
            page.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--real", metavar="OVERRIDES", default=None,
                     help="run the tests marked `real` on a real arm: the robot's overrides, "
                          "e.g. --real 'robot=xarm robot.ip=192.168.1.185 "
                          "robot.tcp_offset=[0,0,0.172,0,0,0] robot.payload_kg=0.82'")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real: moves a real arm (run with --real OVERRIDES)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--real"):
        return
    skip = pytest.mark.skip(reason="needs a real arm: pytest --real 'robot=xarm robot.ip=... "
                                   "robot.tcp_offset=[...] robot.payload_kg=...'")
    for item in items:
        if "real" in item.keywords:
            item.add_marker(skip)
