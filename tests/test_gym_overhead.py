"""`python -m stackbot_gym.overhead` runs the benchmark's episode and the environment's on the
same session and agrees with itself (no timing asserted)."""

from __future__ import annotations

import pytest

from stackbot_gym.overhead import main


@pytest.mark.sim
def test_one_episode_through_the_environment_and_the_benchmark_agree(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--families", "pick_place_v1", "--seeds", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split()[:2] == ["pick_place_v1", "1"] for line in lines)
    assert any(line.startswith("all: 1 episode, successes bench 1 / env 1, 0 disagreements")
               for line in lines)
