"""Group token sequences that share prefixes, so a shared prefix is evaluated once per group."""

from __future__ import annotations

from collections.abc import Sequence


def common_prefix(seqs: Sequence[Sequence[int]]) -> int:
    """Length of the longest prefix shared by all sequences."""
    n = min(len(s) for s in seqs)
    for k in range(n):
        tok = seqs[0][k]
        if any(s[k] != tok for s in seqs):
            return k
    return n


def partition(options: Sequence[Sequence[int]], max_group: int) -> list[tuple[list[int], int]]:
    """Split option indices into groups of at most `max_group`, each with the length of a prefix
    all its members share (shorter than every member, so each keeps at least one own token).

    Options that branch late stay together (e.g. every `pick_and_place(red block, ...)`), so their
    long common prefix is evaluated once; small branches are packed into shared groups.
    """
    if max_group < 1:
        raise ValueError("max_group must be >= 1")
    groups: list[list[int]] = []

    def split(items: list[int], depth: int) -> None:
        if len(items) <= max_group:
            groups.append(items)
            return
        buckets: dict[int | None, list[int]] = {}
        for i in items:
            seq = options[i]
            buckets.setdefault(seq[depth] if depth < len(seq) else None, []).append(i)
        if len(buckets) == 1:  # all continue with the same token: look one token further
            split(items, depth + 1)
            return
        pending: list[int] = []
        for bucket in sorted(buckets.values(), key=len, reverse=True):
            if len(bucket) > max_group:
                split(bucket, depth + 1)
            elif len(pending) + len(bucket) <= max_group:
                pending += bucket
            else:
                groups.append(pending)
                pending = list(bucket)
        if pending:
            groups.append(pending)

    order = sorted(range(len(options)), key=lambda i: list(options[i]))
    if order:
        split(order, 0)
    result = []
    for group in groups:
        members = [options[i] for i in group]
        lcp = min(common_prefix(members), min(len(m) for m in members) - 1)
        result.append((group, lcp))
    return result
