"""`planner.search`: how the SayCan step scores its options.

"best_first" (the default) asks the embedded model for the argmax of p(option | prompt) x
affordance by best-first search over the option trie (`planner.best_first`): the exhaustive
choice, with only the options that can still win scored. Its bound (a prefix's summed
log-probability only falls along the trie) holds only for summed log-probabilities of a model that
evaluates token by token, so with `planner.normalisation=mean` or `char`, or a model that cannot
search (an OpenAI endpoint), every option is scored ("exhaustive"), and the planner says so once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from planner.llm import LanguageModel, OptionScorer, OptionScores, score_options

log = logging.getLogger(__name__)

SEARCHES = ("best_first", "exhaustive")


def check_search(search: str) -> None:
    if search not in SEARCHES:
        raise ValueError(f"planner.search must be one of {', '.join(SEARCHES)}, got {search!r}")


def effective_search(search: str, model: object, normalisation: str) -> str:
    """`search`, or "exhaustive" where best-first's bound does not hold (logged)."""
    if search != "best_first" or model is None:
        return search
    why = ""
    if normalisation != "sum":
        why = f"planner.normalisation={normalisation} does not only fall along an option's tokens"
    elif not callable(getattr(model, "search_options", None)):
        why = f"the model {getattr(model, 'name', model)!r} cannot search the option trie"
    if why:
        log.warning("planner.search=best_first: %s; every option is scored (exhaustive)", why)
        return "exhaustive"
    return search


def search_options(model: LanguageModel | OptionScorer, prompt: str, texts: Sequence[str],
                   affordances: Sequence[float], search: str) -> OptionScores:
    """The model's scores of `texts` by `search` (a model that cannot search scores them all)."""
    searcher = getattr(model, "search_options", None)
    if callable(searcher):
        return searcher(prompt, texts, affordances, search)
    return score_options(model, prompt, texts)
