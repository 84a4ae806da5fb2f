"""Pure helpers of the OpenAI-compatible backend: chat prompts for the `choice` and `generate`
modes, reading label probabilities out of top_logprobs, matching free text to an option."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence

LABELS = tuple("ABCDEFGHIJKLMNOPQRST")  # 20: what top_logprobs can return at most
FLOOR = -1000.0  # log-probability of what the model surely did not choose (exp() == 0.0)

SYSTEM = ("You help a robot arm plan. You are shown a program written so far, one skill call per "
          "line, after a few examples. Decide which line comes next.")


def label_groups(n: int, size: int = len(LABELS)) -> list[list[int]]:
    """Option indices in groups of at most `size`, as even as possible (one group if n <= size).
    More groups than labels would need a third level: refused."""
    n_groups = max(1, -(-n // size))
    if n_groups > len(LABELS):
        raise ValueError(f"{n} options need more than {len(LABELS)}x{size} labels")
    base, extra = divmod(n, n_groups)
    groups, start = [], 0
    for g in range(n_groups):
        stop = start + base + (1 if g < extra else 0)
        groups.append(list(range(start, stop)))
        start = stop
    return groups


def _context(prompt: str) -> str:
    return f"The program so far:\n```\n{prompt.rstrip()}\n```\n"


def choice_messages(prompt: str, options: Sequence[str]) -> list[dict[str, str]]:
    """Chat messages asking for the label of the next line among `options` (at most 20)."""
    listed = "\n".join(f"{LABELS[i]}) {text.strip()}" for i, text in enumerate(options))
    user = (f"{_context(prompt)}\nWhich line comes next? The options:\n{listed}\n\n"
            "Answer with the option's letter only.")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def group_messages(prompt: str, groups: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    """Chat messages asking which group holds the next line (first level of two-level labels)."""
    listed = "\n".join(f"Group {LABELS[g]}:\n" + "\n".join(f"  {t.strip()}" for t in texts)
                       for g, texts in enumerate(groups))
    user = (f"{_context(prompt)}\nWhich line comes next? The options, in groups:\n{listed}\n\n"
            "Answer with the letter of the group that holds the next line, only the letter.")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def generate_messages(prompt: str) -> list[dict[str, str]]:
    user = f"{_context(prompt)}\nWrite the next line only, exactly as it should appear."
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def label_logprobs(top: Iterable[tuple[str, float]], n: int) -> list[float]:
    """Log-probabilities of the first n labels from a token's top_logprobs. Tokens that spell the
    same label (" A", "A", "A)") are added up; a label not among them shares what probability
    the listed tokens leave, never more than the least listed one."""
    probs = [0.0] * n
    listed = 0.0
    least = 1.0
    for token, logprob in top:
        p = math.exp(logprob)
        listed += p
        least = min(least, p)
        key = token.strip().strip("().:*").upper()
        if len(key) == 1 and key in LABELS[:n]:
            probs[LABELS.index(key)] += p
    missing = [i for i, p in enumerate(probs) if p == 0.0]
    if missing:
        share = min(max(1.0 - listed, 0.0) / len(missing), least)
        for i in missing:
            probs[i] = share
    return [math.log(p) if p > 0 else FLOOR for p in probs]


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().strip("`").strip()
        if line:
            return line
    return ""


def closest_option(text: str, options: Sequence[str]) -> tuple[int, float]:
    """Index of the option most similar to `text` (difflib ratio, whitespace-insensitive)."""
    norm = " ".join(text.split()).lower()
    best, best_ratio = -1, 0.0
    for i, option in enumerate(options):
        ratio = difflib.SequenceMatcher(None, norm, " ".join(option.split()).lower()).ratio()
        if ratio > best_ratio:
            best, best_ratio = i, ratio
    return best, best_ratio
