"""The first-move probe with the real embedded model and the shipped adapter."""

from __future__ import annotations

import pytest

from planner.llama_backend import LlamaCppModel
from tools.tune.first_move import first_steps, main, score_first_moves

pytestmark = pytest.mark.model


def test_the_shipped_adapter_is_sure_of_a_fresh_commands_first_move(
        capsys: pytest.CaptureFixture[str]) -> None:
    with LlamaCppModel(adapter="default", prompt_cache_dir=None) as model:
        steps = first_steps("pick_place_v1", 3, model.prompt_form or "")
        moves = score_first_moves(model, steps)
    assert len(steps) == 3 and all(s.target.startswith("robot.pick_and_place(") for s in steps)
    assert all(m.move > 0.5 > m.done for m in moves), moves
    assert all(0.0 < m.move + m.done <= 1.0 + 1e-6 for m in moves)
    assert main(["default", "--seeds", "2"]) == 0
    assert "the move beats done() 2/2" in capsys.readouterr().out


def test_commands_answered_done_at_once_have_no_first_move() -> None:
    """Every infeasible_v1 command names an absent object (no twins asked for)."""
    assert first_steps("infeasible_v1", 3, "transcript-v3") == []
