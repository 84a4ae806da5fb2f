"""`python -m tools.warm_cache`: evaluate the few-shot header (the default config's skills'
examples) once with the default model and keep its KV cache on disk (`make setup` runs it), so
even the first run after installing starts with the header evaluated."""

from __future__ import annotations

from pathlib import Path

from agent.config import compose_config
from agent.session import build_skills
from planner.llama_backend import LlamaCppModel
from planner.prompt import PromptBuilder
from planner.prompt_cache import DEFAULT_DIR


def main() -> None:
    examples = build_skills(compose_config()).prompt_examples()
    with LlamaCppModel() as model:
        how = model.prefill(PromptBuilder(examples=examples).header())
    print(f"prompt cache: few-shot header {how} ({Path(DEFAULT_DIR).expanduser()})")


if __name__ == "__main__":
    main()
