"""The existing kinds of command with misspelt colours, objects and verbs ("put the rde blok in
the bleu bowl"), which should still be carried out: a task of another family (its scene and goal
unchanged) with one or two of its words misspelt. Training wordings misspell by swapping two
neighbouring letters or dropping one; held-out wordings by doubling one or striking the key
beside it, on the other families' held-out wordings."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from perception.palette import PALETTE
from sim.tasks import (
    all_in_one,
    corners_sides,
    exclusion,
    long_horizon,
    matching_bowls,
    mismatched_bowls,
    pick_place,
    stacking,
)
from sim.tasks.registration import register_family
from sim.tasks.task import Task, rng_for
from sim.tasks.wordings import SPLITS, TRAINING_SPLITS, WordingSplit

FAMILY = "typos_v1"

SUB_FAMILIES = (
    pick_place.generate,
    matching_bowls.generate,
    mismatched_bowls.generate,
    all_in_one.generate,
    stacking.generate_stack_all,
    stacking.generate_stack_order,
    corners_sides.generate,
    exclusion.generate,
    long_horizon.generate,
)
OBJECT_WORDS = ("block", "blocks", "bowl", "bowls")
VERBS = ("put", "place", "move", "stack", "drop", "pick", "set", "build", "make", "pile",
         "gather", "collect", "slide", "fill", "leave", "keep", "push", "bring", "start")
# Words a misspelling must not turn into: a colour, an object word, a verb it might mean.
KNOWN = frozenset((*PALETTE, *OBJECT_WORDS, *VERBS, "bow", "bock", "lock", "plae", "pot",
                   "can", "pin", "ban", "pit", "pat", "sat"))
KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def misspell(word: str, rng: np.random.Generator, split: WordingSplit) -> str:
    """The word with one slip of the hand: swapped or dropped letters (train), a doubled letter
    or a neighbouring key (held out); never a word the commands use, never the word itself."""
    if split not in SPLITS:
        raise ValueError(f"unknown wording split {split!r}")
    for _ in range(20):
        i = int(rng.integers(1, len(word)))  # the first letter stays, as in most typos
        if split in TRAINING_SPLITS:
            if len(word) > 3 and float(rng.random()) < 0.5:
                slip = word[:i] + word[i + 1:]
            else:
                i = min(i, len(word) - 2)
                slip = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif float(rng.random()) < 0.5:
            slip = word[:i] + word[i] + word[i:]
        else:
            slip = word[:i] + _neighbour(word[i], rng) + word[i + 1:]
        if slip != word and slip not in KNOWN:
            return slip
    return word + word[-1]


def _neighbour(letter: str, rng: np.random.Generator) -> str:
    row = next((r for r in KEYBOARD if letter in r), KEYBOARD[0])
    j = row.index(letter) if letter in row else 0
    return row[max(0, j - 1)] if float(rng.random()) < 0.5 or j == len(row) - 1 else row[j + 1]


def misspell_command(command: str, rng: np.random.Generator, split: WordingSplit) -> str:
    """One or two of the command's colour, object and verb words misspelt (of different kinds
    when it has them)."""
    words = re.findall(r"[a-z]+|[^a-z]+", command)
    kinds = {"colour": [i for i, w in enumerate(words) if w in PALETTE],
             "object": [i for i, w in enumerate(words) if w in OBJECT_WORDS],
             "verb": [i for i, w in enumerate(words) if w in VERBS]}
    present = [kind for kind, at in kinds.items() if at]
    n = min(len(present), 1 + int(rng.integers(2)))
    for kind in rng.permutation(present)[:n]:
        i = int(rng.choice(kinds[str(kind)]))
        words[i] = misspell(words[i], rng, split)
    return "".join(words)


@register_family(FAMILY)
def generate(seed: int, wordings: WordingSplit = "train") -> Task:
    rng = rng_for(FAMILY, seed)
    sub_family = SUB_FAMILIES[int(rng.integers(len(SUB_FAMILIES)))]
    task = sub_family(seed, family=FAMILY, wordings=wordings)
    return replace(task, instruction=misspell_command(task.instruction, rng, wordings))
