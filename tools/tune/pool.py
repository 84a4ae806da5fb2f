"""The retrieval planner's pool: demonstrations from the task families on training seeds and
training wordings, as retrievable examples."""

from __future__ import annotations

from planner.retrieval import Retriever, demos_from_transcripts
from tools.tune.demos import TRAIN_FIRST_SEED, generate_demonstrations


def demonstration_retriever(per_family: int = 30, k: int = 3,
                            first_seed: int = TRAIN_FIRST_SEED) -> Retriever:
    """Whole successful transcripts (no recoveries) of `per_family` tasks of each training
    family; each episode's prompt holds the `k` most similar."""
    demos = generate_demonstrations(per_family, first_seed, recovery_rate=0.0)
    transcripts = [(d.instruction, d.steps[-1].prompt + d.steps[-1].target) for d in demos]
    return Retriever(demos_from_transcripts(transcripts), k=k)
