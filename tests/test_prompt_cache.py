"""The on-disk prompt cache's files (the KV round trip itself: tests/test_llm_backend.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner.prompt_cache import PromptCache


def _write(data: bytes):  # noqa: ANN202
    def write(file: str) -> bool:
        Path(file).write_bytes(data)
        return True
    return write


def test_files_land_whole_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    cache = PromptCache(tmp_path / "kv", keep=2)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    paths = [cache.path_for(str(model), {"n_ctx": 64}, [1, 2, n]) for n in range(3)]
    assert len(set(paths)) == 3
    assert cache.path_for(str(model), {"n_ctx": 64}, [1, 2, 0]) == paths[0]
    assert cache.path_for(str(model), {"n_ctx": 128}, [1, 2, 0]) != paths[0]
    for age, path in enumerate(paths[:2]):
        cache.save(path, _write(b"x" * (age + 1)))
        os.utime(path, (1000 + age, 1000 + age))
    cache.used(paths[0])  # loaded just now: newer than paths[1]
    cache.save(paths[2], _write(b"zzz"))
    assert paths[2].read_bytes() == b"zzz" and not list((tmp_path / "kv").glob("*.tmp"))
    assert sorted(p.name for p in (tmp_path / "kv").iterdir()) == sorted(
        p.name for p in (paths[0], paths[2]))


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    cache = PromptCache(tmp_path)
    path = tmp_path / "a.kv"

    def half(file: str) -> bool:
        Path(file).write_bytes(b"half")
        return False

    cache.save(path, half)
    assert list(tmp_path.iterdir()) == []


def test_no_home_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    assert PromptCache.at("~/.cache/stackbot/prompt-kv") is None
    assert PromptCache.at(None) is None
