"""Options as a token trie, cut into segments, scheduled into batched decodes over KV streams.

A segment is a run of tokens shared by a set of options, evaluated once, in one KV stream that
already holds the prompt and the parent segment's tokens. A branch point becomes a segment boundary
when the run before it is at least `min_shared` tokens long (evaluating it once and copying the
stream pays); shorter runs are evaluated again in each branch. Logits are wanted only after tokens
some option continues past, and each trie node's logits only once.

The schedule (pure Python, no model) puts segments into decodes level by level: a segment's
stream is a copy of its parent's, taken after the parent's decode; a decode holds at most `n_batch`
tokens (every stream padded to the same width) over consecutive streams.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    parent: int  # index of the parent segment; -1 = the prompt
    start: int  # depth in the option tokens where the segment begins
    tokens: tuple[int, ...]
    want: tuple[bool, ...]  # logits after tokens[j] are needed (and computed here, once)
    children: tuple[int, ...] = ()


@dataclass(frozen=True)
class Slot:
    segment: int
    stream: int
    copy_from: int  # the stream holding the parent's tokens, copied in before the decode


def common_prefix(seqs: Sequence[Sequence[int]]) -> int:
    """Length of the longest prefix shared by all sequences."""
    n = min(len(s) for s in seqs)
    for k in range(n):
        tok = seqs[0][k]
        if any(s[k] != tok for s in seqs):
            return k
    return n


def build_segments(options: Sequence[Sequence[int]], min_shared: int = 2,
                   max_len: int = 256) -> list[Segment]:
    """Segments covering every option's tokens (each option non-empty); parents before children."""
    if any(not o for o in options):
        raise ValueError("every option needs at least one token")
    raw: list[list] = []  # [parent, start, end, members]

    def grow(parent: int, start: int, members: list[int]) -> None:
        end = start
        while True:
            going = [i for i in members if len(options[i]) > end]
            if not going or len({options[i][end] for i in going}) > 1:
                break
            end += 1
        going = [i for i in members if len(options[i]) > end]
        if not going:  # every member ends inside this run: a leaf
            raw.append([parent, start, end, members])
            return
        here = parent
        if end - start >= min_shared or start == end:
            if end > start:
                raw.append([parent, start, end, members])
                here = len(raw) - 1
            start = end
        buckets: dict[int, list[int]] = {}
        for i in going:
            buckets.setdefault(options[i][end], []).append(i)
        ended = [i for i in members if len(options[i]) <= end]
        if ended and here == parent:  # a member ends in a run too short to share: its own leaf
            ended.sort(key=lambda i: -len(options[i]))
            raw.append([parent, start, len(options[ended[0]]), ended])
        for bucket in buckets.values():
            grow(here, start, bucket)

    grow(-1, 0, list(range(len(options))))
    return _finish(options, raw, max_len)


def _finish(options: Sequence[Sequence[int]], raw: list[list], max_len: int) -> list[Segment]:
    # chop long runs into chains, order breadth first, and decide where logits are computed
    pieces: list[list] = []
    remap: dict[int, int] = {}
    for k, (parent, start, end, members) in enumerate(raw):
        prev = remap.get(parent, -1) if parent >= 0 else -1
        for a in range(start, end, max_len):
            pieces.append([prev, a, min(a + max_len, end), members])
            prev = len(pieces) - 1
        remap[k] = prev
    children: dict[int, list[int]] = {}
    for k, piece in enumerate(pieces):
        children.setdefault(piece[0], []).append(k)
    order, queue = [], deque(children.get(-1, []))
    while queue:
        k = queue.popleft()
        order.append(k)
        queue.extend(children.get(k, []))
    new_index = {old: new for new, old in enumerate(order)}
    owned: set[tuple[int, ...]] = set()
    segments = []
    for old in order:
        parent, start, end, members = pieces[old]
        path = max((options[i] for i in members), key=len)
        want = []
        for d in range(start, end):
            node = tuple(path[:d + 1])
            needed = node not in owned and any(len(options[i]) > d + 1 for i in members)
            if needed:
                owned.add(node)
            want.append(needed)
        segments.append(Segment(new_index[parent] if parent >= 0 else -1, start,
                                tuple(path[start:end]), tuple(want),
                                tuple(new_index[c] for c in children.get(old, []))))
    return segments


def width(segments: Sequence[Segment], slots: Sequence[Slot], min_tokens: int = 8) -> int:
    """Tokens per stream in a decode: the longest segment, and never fewer than `min_tokens`
    tokens in all."""
    longest = max(len(segments[s.segment].tokens) for s in slots)
    return max(longest, -(-min_tokens // len(slots)))


def schedule(segments: Sequence[Segment], n_streams: int, n_batch: int,
             min_tokens: int = 8) -> list[list[Slot]]:
    """Decodes (lists of slots). Stream 0 holds the prompt; 1..n_streams are for the trie.

    llama.cpp decodes a batch over several KV streams in one micro-batch only when its sequence
    ids are consecutive and ascending, so every decode uses a contiguous run of streams. Trie
    levels alternate between two banks of streams: a level's segments copy their parents' streams
    from the other bank. Segments with children come first in a level and keep their streams
    until the next level has copied them; leaves reuse the rest of the bank.
    """
    half = n_streams // 2
    if half < 1:
        raise ValueError("need at least two option streams")
    depth: list[int] = []
    for seg in segments:
        depth.append(0 if seg.parent < 0 else depth[seg.parent] + 1)
    levels: dict[int, list[int]] = {}
    for k, d in enumerate(depth):
        levels.setdefault(d, []).append(k)
    stream_of = {-1: 0}
    decodes: list[list[Slot]] = []
    for d in sorted(levels):
        # branching segments first (they keep their streams); then similar lengths together,
        # since every stream of a decode is padded to the longest
        members = sorted(levels[d], key=lambda k: (not segments[k].children,
                                                    -len(segments[k].tokens)))
        keep = sum(1 for k in members if segments[k].children)
        if keep > half or (keep == half and keep < len(members)):
            raise RuntimeError(f"a trie level has {keep} branching segments but only {half} "
                               f"streams per bank; raise n_seq_max above {2 * keep + 2}")
        base = 1 + (d % 2) * half
        next_free, i = 0, 0
        while i < len(members):
            slots: list[Slot] = []
            longest = 0
            while i < len(members) and next_free + len(slots) < half:
                k = members[i]
                n = len(slots) + 1
                w = max(longest, len(segments[k].tokens), -(-min_tokens // n))
                if slots and w * n > n_batch:
                    break
                stream = base + next_free + len(slots)
                slots.append(Slot(k, stream, stream_of[segments[k].parent]))
                longest = max(longest, len(segments[k].tokens))
                i += 1
            for slot in slots:
                stream_of[slot.segment] = slot.stream
            kept = sum(1 for s in slots if segments[s.segment].children)
            next_free += kept  # leaves are done after the decode: their streams are free again
            decodes.append(slots)
    return decodes
