"""Best-first (A*) search over the option trie: the exhaustive argmax of
log p(option | prompt) + log affordance, without scoring every option.

A trie node is a token prefix; its `g` is the summed log-probability of its tokens, known once its
parent's logits row is. Along a path `g` only falls (every token's log-probability is <= 0), and
an affordance is at most 1, so `g(node) + log(the best affordance of an option below it)` bounds
the score of every option below the node; options with affordance 0 can never win and are never
searched for. Nodes are expanded best bound first, several per round (the runner decodes a round
in one batch), each down its chain to the next branch point; the search stops when the best
complete option's score is above every open bound. Every option whose bound reaches the best
score is scored, so ties are settled by the same ranking as exhaustive scoring.

Pure bookkeeping, no model: the runner (`planner.llama_search`) decodes the chains of each round
and hands back the log-probabilities of each node's next tokens.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Node = tuple[int, ...]

MARGIN = 1.0  # nats: a round also expands nodes whose bound is this close to the round's best
TIE = 1e-9  # nats: bounds this close to the best score are expanded, never pruned


@dataclass(frozen=True)
class Outcome:
    """Per option its log-probability (exact when scored, else the upper bound its deepest
    evaluated prefix gives) and the log-probabilities of the tokens known; and the share of the
    option set's probability that lies with the scored options at least (in [0, 1])."""

    logprobs: tuple[float, ...]
    token_logprobs: tuple[tuple[float, ...], ...]
    scored: tuple[bool, ...]
    scored_mass: float


class OptionTrie:
    """The options' token trie: each node's next tokens, the options ending there, the best
    affordance strictly below it (a row is needed only where it is positive) and the longest
    chain of options below it, each a prefix of the next (what bounds the mass below it)."""

    def __init__(self, options: Sequence[Sequence[int]], affordances: Sequence[float]) -> None:
        if len(options) != len(affordances) or any(not o for o in options):
            raise ValueError("need one affordance per option and at least one token per option")
        self.options = [tuple(o) for o in options]
        self.affordances = [float(a) for a in affordances]
        self.children: dict[Node, dict[int, None]] = {}
        self.ending: dict[Node, list[int]] = {}
        self.below: dict[Node, float] = {}
        self.nest: dict[Node, int] = {}
        for i, toks in enumerate(self.options):
            self.ending.setdefault(toks, []).append(i)
            for j, token in enumerate(toks):
                node = toks[:j]
                self.children.setdefault(node, {})[token] = None
                self.below[node] = max(self.below.get(node, 0.0), self.affordances[i])
        for node in sorted(self.children, key=len, reverse=True):
            self.nest[node] = max(
                (int(node + (t,) in self.ending) + self.nest.get(node + (t,), 0)
                 for t in self.children[node]), default=0)

    def next_tokens(self, node: Node) -> list[int]:
        return list(self.children.get(node, ()))

    def needs_row(self, node: Node) -> bool:
        """Some option with a positive affordance continues past `node`."""
        return self.below.get(node, 0.0) > 0.0


class BestFirstSearch:
    """The search's state: `g` of every node whose parent's row is known, the open frontier, the
    best complete option. `jobs()` names the next round's chains, `add_row()` takes their rows."""

    def __init__(self, trie: OptionTrie, margin: float = MARGIN, max_chain: int = 256) -> None:
        self.trie, self.margin, self.max_chain = trie, margin, max_chain
        self.g: dict[Node, float] = {(): 0.0}
        self.lp: dict[Node, float] = {}  # the log-probability of a node's last token
        self.expanded: set[Node] = {()}  # rows known or being computed (the root: the prompt's)
        self.frontier: set[Node] = set()
        self.best = -math.inf

    def bound(self, node: Node) -> float:
        return self.g[node] + math.log(self.trie.below[node])

    def jobs(self, max_jobs: int) -> list[tuple[Node, ...]]:
        """The next round: chains from the best open nodes (bound within `margin` of the best
        open bound, none below the best score); [] when the search is over."""
        floor = self.best - TIE
        open_nodes = sorted(((self.bound(n), n) for n in self.frontier), reverse=True)
        open_nodes = [(b, n) for b, n in open_nodes if b >= floor]
        if not open_nodes:
            return []
        top = open_nodes[0][0]
        chosen = [n for b, n in open_nodes if b >= top - self.margin][:max(1, max_jobs)]
        chains = [self._chain(n) for n in chosen]
        for chain in chains:
            self.frontier.discard(chain[0])
            self.expanded.update(chain)
        return chains

    def _chain(self, node: Node) -> tuple[Node, ...]:
        """`node`, then while exactly one next token leads on to options that need a row, that
        child (its row is needed whatever the bounds say, once the parent's is)."""
        chain = [node]
        while len(chain) < self.max_chain:
            last = chain[-1]
            onward = [last + (t,) for t in self.trie.next_tokens(last)
                      if self.trie.needs_row(last + (t,))]
            if len(onward) != 1:
                break
            chain.append(onward[0])
        return tuple(chain)

    def add_row(self, node: Node, logprobs: Mapping[int, float]) -> None:
        """The log-probabilities of `node`'s next tokens (its logits row)."""
        trie = self.trie
        base = self.g[node]
        for token in trie.next_tokens(node):
            child = node + (token,)
            self.lp[child] = logprobs[token]
            self.g[child] = base + logprobs[token]
            for i in trie.ending.get(child, ()):
                if trie.affordances[i] > 0.0:
                    self.best = max(self.best, self.g[child] + math.log(trie.affordances[i]))
            if trie.needs_row(child) and child not in self.expanded:
                self.frontier.add(child)

    def open_below(self, node: Node) -> bool:
        """Some child of `node` still waits in the frontier (its stream is worth keeping)."""
        return any(node + (t,) in self.frontier for t in self.trie.next_tokens(node))

    def outcome(self) -> Outcome:
        trie = self.trie
        logprobs, tokens, scored = [], [], []
        pruned: dict[Node, None] = {}
        for toks in trie.options:
            known = 0
            while known < len(toks) and toks[:known + 1] in self.g:
                known += 1
            token_lps = tuple(self.lp[toks[:j + 1]] for j in range(known))
            tokens.append(token_lps)
            scored.append(known == len(toks))
            if known == len(toks):
                logprobs.append(float(sum(token_lps)))
            else:
                deepest = toks[:known]
                logprobs.append(self.g[deepest])
                pruned[deepest] = None
        exact = [v for v, s in zip(logprobs, scored, strict=True) if s]
        rest = [self.g[n] + math.log(trie.nest[n]) for n in pruned]
        return Outcome(tuple(logprobs), tuple(tokens), tuple(scored), _share(exact, rest))


def _share(exact: Sequence[float], rest: Sequence[float]) -> float:
    """exp-sum of `exact` over that of `exact` and `rest` together (log-sum-exp, no overflow)."""
    if not rest:
        return 1.0
    if not exact:
        return 0.0
    peak = max(*rest, *exact)
    e = sum(math.exp(v - peak) for v in exact)
    return e / (e + sum(math.exp(v - peak) for v in rest))
