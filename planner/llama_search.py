"""The best-first search (`planner.best_first`) on llama.cpp's KV streams.

Stream 0 holds the prompt. Each round's chains are decoded together: a chain's stream is a copy of
the stream holding its deepest evaluated ancestor (the prompt's, when none is held any more), then
the path tokens that stream lacks and the chain's own tokens are decoded at their positions, logits
only after the chain's nodes. The exactness rules of `planner.llama_backend` hold here too: every
decode holds at least MIN_UBATCH tokens over consecutive ascending streams, each stream padded to
the same width, and a token sits in the cell of its position. After a decode each stream is cut
back to its chain's end and kept for that node's children, until a later decode needs the stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from planner.best_first import BestFirstSearch, Node, OptionTrie, Outcome
from planner.llama_runtime import MIN_UBATCH, LlamaRuntime, log_softmax_at
from planner.llm import ContextOverflowError


@dataclass(frozen=True)
class Slot:
    chain: tuple[Node, ...]
    source: Node  # the node whose path the copied stream holds
    copy_from: int
    stream: int

    @property
    def tokens(self) -> tuple[int, ...]:
        return self.chain[-1][len(self.source):]


class Streams:
    """Which option stream (1..n) holds the path of which trie node."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.held: dict[int, Node] = {}

    def source(self, node: Node) -> tuple[Node, int]:
        """The deepest held prefix of `node` and its stream (the prompt's, stream 0, if none)."""
        by_node = {held: stream for stream, held in self.held.items()}
        for k in range(len(node), 0, -1):
            if node[:k] in by_node:
                return node[:k], by_node[node[:k]]
        return (), 0

    def window(self, k: int, busy: set[int], keep: Callable[[Node], bool]) -> int | None:
        """The first stream of k consecutive ones free of `busy` streams that loses the fewest
        held nodes still worth keeping (then the fewest held at all); None if there is none."""
        best: tuple[int, int, int] | None = None
        for first in range(1, self.n - k + 2):
            run = range(first, first + k)
            if any(s in busy for s in run):
                continue
            held = [self.held[s] for s in run if s in self.held]
            cost = (sum(1 for node in held if keep(node)), len(held), first)
            best = cost if best is None or cost < best else best
        return None if best is None else best[2]

    def take(self, first: int, k: int) -> None:
        for stream in range(first, first + k):
            self.held.pop(stream, None)


def search(rt: LlamaRuntime, n_prompt: int, n_ctx: int, root_row: np.ndarray | None,
           trie: OptionTrie, n_batch: int, n_streams: int) -> Outcome:
    """Run the search. Stream 0 holds the prompt, `root_row` is its last logits row (None when
    no option can win: nothing is decoded)."""
    state = BestFirstSearch(trie, max_chain=n_batch // 2)
    if root_row is not None:
        _add_rows(state, [()], root_row[None])
    streams = Streams(n_streams)
    while chains := state.jobs(n_streams):
        pending = list(chains)
        while pending:
            slots = _pack(pending, streams, state, n_prompt, n_ctx, n_batch)
            pending = pending[len(slots):]
            _decode(rt, slots, state, n_prompt)
            for slot in slots:
                streams.held[slot.stream] = slot.chain[-1]
    return state.outcome()


def _pack(chains: Sequence[tuple[Node, ...]], streams: Streams, state: BestFirstSearch,
          n_prompt: int, n_ctx: int, n_batch: int) -> list[Slot]:
    """The slots of the next decode: as many of `chains` (in order) as fit in n_batch tokens
    and a run of free streams."""
    sources = [streams.source(chain[0][:-1]) for chain in chains]
    k, longest = 0, 0
    while k < len(chains):
        length = len(chains[k][-1]) - len(sources[k][0])
        if k and max(longest, length, -(-MIN_UBATCH // (k + 1))) * (k + 1) > n_batch:
            break
        longest, k = max(longest, length), k + 1
    first = None
    while first is None:  # one chain always finds a stream: only its source is busy
        first = streams.window(k, {s for _, s in sources[:k]}, state.open_below)
        k -= first is None
    slots = [Slot(chain, node, stream, first + i)
             for i, (chain, (node, stream)) in enumerate(zip(chains[:k], sources, strict=False))]
    if any(n_prompt + len(s.source) + _width(slots) > n_ctx for s in slots):
        slots = [Slot(slots[0].chain, (), 0, first)]  # from the prompt: no padding overhang
        if n_prompt + _width(slots) > n_ctx:
            raise ContextOverflowError(f"prompt ({n_prompt} tokens) + options exceed the context "
                                       f"window n_ctx={n_ctx}")
    streams.take(first, len(slots))
    return slots


def _width(slots: Sequence[Slot]) -> int:
    return max(max(len(s.tokens) for s in slots), -(-MIN_UBATCH // len(slots)))


def _decode(rt: LlamaRuntime, slots: Sequence[Slot], state: BestFirstSearch,
            n_prompt: int) -> None:
    w = _width(slots)
    tokens, positions, seqs, want, nodes = [], [], [], [], []
    for slot in slots:
        rt.seq_cp(slot.copy_from, slot.stream)
        toks, start, top = slot.tokens, len(slot.source), len(slot.chain[0])
        for j in range(w):
            tokens.append(toks[min(j, len(toks) - 1)])  # padding is inert
            positions.append(n_prompt + start + j)
            seqs.append(slot.stream)
            needed = j < len(toks) and start + j + 1 >= top
            want.append(needed)
            if needed:
                nodes.append(slot.chain[-1][:start + j + 1])
    _add_rows(state, nodes, rt.decode(tokens, positions, seqs, want))
    for slot in slots:  # drop the padding: children continue right after the chain
        rt.seq_rm(slot.stream, n_prompt + len(slot.chain[-1]))


def _add_rows(state: BestFirstSearch, nodes: Sequence[Node], rows: np.ndarray) -> None:
    picks = [state.trie.next_tokens(node) for node in nodes]
    for node, pick, values in zip(nodes, picks, log_softmax_at(rows, picks), strict=True):
        state.add_row(node, dict(zip(pick, values, strict=True)))
