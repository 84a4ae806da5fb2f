"""The retrieval planner's pool: demonstrations from the task families on training seeds and
training wordings, as retrievable examples."""

from __future__ import annotations

from collections.abc import Mapping

from planner.retrieval import Retriever, demos_from_transcripts
from skills.skill import Skill
from skills.skill_set import SkillSet
from tools.tune.demos import TRAIN_FIRST_SEED, generate_demonstrations


def demonstration_retriever(skills: Mapping[str, Skill], per_family: int = 30, k: int = 3,
                            first_seed: int = TRAIN_FIRST_SEED) -> Retriever:
    """Whole successful transcripts (no recoveries) of `per_family` tasks of each training
    family, made with the configured `skills` (by name, as the config lists them); each
    episode's prompt holds the `k` most similar."""
    demos = generate_demonstrations(SkillSet.of(skills.values()), per_family, first_seed,
                                    recovery_rate=0.0)
    transcripts = [(d.instruction, d.steps[-1].prompt + d.steps[-1].target) for d in demos]
    return Retriever(demos_from_transcripts(transcripts), k=k)
