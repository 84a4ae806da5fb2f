"""Demonstrations as token sequences: the whole transcript once, with the positions whose next
token belongs to a chosen option (the only places the loss looks at)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tools.tune.demos import Demonstration

Tokenize = Callable[[str, bool], list[int]]  # (text, add_bos) -> token ids


@dataclass(frozen=True)
class TokenSequence:
    tokens: tuple[int, ...]
    answer_at: tuple[int, ...]  # position p: the loss reads the prediction of tokens[p + 1]

    def __len__(self) -> int:
        return len(self.tokens)


def encode(demo: Demonstration, tokenize: Tokenize) -> list[TokenSequence]:
    """One sequence for the whole demonstration when each step's prompt tokenises as a prefix of
    the transcript (as the planner's KV cache sees it); otherwise one sequence per step. Each
    prompt is tokenised alone (with BOS) and each option alone, as the scorer does."""
    full: list[int] = []
    answers: list[int] = []
    for step in demo.steps:
        prompt = tokenize(step.prompt, True)
        option = tokenize(step.target, False)
        if prompt[:len(full)] != full:
            return [_single(tokenize, s.prompt, s.target) for s in demo.steps]
        full = prompt + option
        answers += range(len(prompt) - 1, len(full) - 1)
    return [TokenSequence(tuple(full), tuple(answers))]


def _single(tokenize: Tokenize, prompt: str, target: str) -> TokenSequence:
    p, o = tokenize(prompt, True), tokenize(target, False)
    return TokenSequence(tuple(p + o), tuple(range(len(p) - 1, len(p) + len(o) - 1)))


def encode_all(demos: Iterable[Demonstration], tokenize: Tokenize) -> list[TokenSequence]:
    return [seq for demo in demos for seq in encode(demo, tokenize)]


def batches(sequences: list[TokenSequence], max_tokens: int) -> list[list[int]]:
    """Indices of sequences grouped by length, each group padded to at most `max_tokens`."""
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    out: list[list[int]] = []
    group: list[int] = []
    for i in order:
        longest = max(len(sequences[j]) for j in [*group, i])
        if group and longest * (len(group) + 1) > max_tokens:
            out.append(group)
            group = []
        group.append(i)
    if group:
        out.append(group)
    return out
