"""`python -m planner.warm_cache`: evaluate the few-shot header once with the default model and
keep its KV cache on disk (`make setup` runs it), so even the first run after installing starts
with the header evaluated."""

from __future__ import annotations

from pathlib import Path

from planner.llama_backend import LlamaCppModel
from planner.prompt import PromptBuilder
from planner.prompt_cache import DEFAULT_DIR


def main() -> None:
    with LlamaCppModel() as model:
        how = model.prefill(PromptBuilder().header())
    print(f"prompt cache: few-shot header {how} ({Path(DEFAULT_DIR).expanduser()})")


if __name__ == "__main__":
    main()
