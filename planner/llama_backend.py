"""Embedded llama.cpp backend: score many continuations of one prompt, fast and exactly.

Exactness (the optimised scores equal one full evaluation per continuation, bit for bit on this
build) rests on two facts measured here:

* ggml's CPU kernels give bit-identical rows only when a decoded micro-batch holds at least
  `MIN_UBATCH` (8) tokens; smaller batches take other kernels whose rounding differs, and Gemma
  amplifies such differences to 0.05-0.3 nats (llama.cpp issue 24962).
* attention sums over KV cells in SIMD lanes, so a token must sit in the same cell index as in a
  plain evaluation (cell == position). Branches of a token trie in one shared (unified) cache do
  not, and drift by up to 0.2 nats. So every branch gets its own KV stream (`kv_unified` off).

Speed: the prompt lives in sequence/stream 0 and is kept across calls (a prompt that extends the
cached one costs only its new tokens; a new episode with the same few-shot header re-evaluates only
what follows the header). The options form a token trie cut into segments (`planner.trie`): each
shared run is evaluated once, in one stream, and copied into the streams of its branches; the
segments of a trie level go into one batched decode; logits are computed only where a next token's
log-probability is needed, once per trie node (Gemma's 262k-token output layer dominates).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from planner import llama_search
from planner.best_first import OptionTrie
from planner.llama_runtime import (
    MIN_UBATCH,
    AdapterError,
    LlamaRuntime,
    RuntimeConfig,
    default_model_path,
    log_softmax_at,
    validate_adapter_path,
    validate_gguf_path,
)
from planner.llm import ContextOverflowError, ContinuationScore, OptionScores
from planner.prompt_cache import DEFAULT_DIR, PromptCache
from planner.trie import build_segments, schedule, width
from skills.types import SearchSummary

__all__ = ["LlamaCppModel", "default_model_path", "validate_gguf_path", "SHIPPED_ADAPTER"]

# The adapter trained by `stackbot-tune` for the embedded Gemma 3 270M (see its manifest).
SHIPPED_ADAPTER = Path(__file__).parent / "adapters" / "gemma3-270m-planner.gguf"
DEFAULT_ADAPTER = "default"  # the shipped adapter for the embedded model, none for any other
BASE_SIZE_KEY = "stackbot.base_model_bytes"
PROMPT_KEY = "stackbot.prompt"

Node = tuple[int, ...]


def _chunks(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    """[start, stop) in pieces of at most `size`, none shorter than MIN_UBATCH when avoidable."""
    spans, a = [], start
    while a < stop:
        b = min(a + size, stop)
        if 0 < stop - b < MIN_UBATCH:
            b = max(a + MIN_UBATCH, stop - MIN_UBATCH)
        spans.append((a, b))
        a = b
    return spans


class LlamaCppModel:
    """A GGUF model run in-process by llama.cpp. `model_path=None` = the embedded Gemma 3 270M.

    n_ctx: context window of one stream (prompt + longest continuation). n_seq_max: KV streams,
    one for the prompt and the rest for trie branches (memory grows as n_ctx x n_seq_max).
    min_shared: a run of tokens shared by several options is evaluated once when it is at least
    this long (else once per branch). Scores are reproducible: flash attention off, thread count
    pinned. `seed` is kept for configuration parity; scoring involves no sampling.
    prompt_cache_dir: where `prefill` keeps the KV cache of a fixed prompt prefix (the few-shot
    header) between processes; None turns that off. adapter: a LoRA adapter (GGUF) applied to
    every evaluation; "default" is the shipped planning adapter when the model is the embedded
    one (and none for any other model), None the base model alone.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        n_ctx: int = 1024,
        n_threads: int = 2,
        seed: int = 0,
        n_batch: int = 512,
        n_seq_max: int = 32,
        min_shared: int = 2,
        verbose: bool = False,
        prompt_cache_dir: str | os.PathLike[str] | None = DEFAULT_DIR,
        adapter: str | os.PathLike[str] | None = None,
    ) -> None:
        config = RuntimeConfig(n_ctx, n_threads, n_batch, n_seq_max)
        if min_shared < 1:
            raise ValueError("min_shared must be >= 1")
        self._rt: LlamaRuntime | None = None
        if adapter is not None and os.fspath(adapter) == DEFAULT_ADAPTER:
            adapter = SHIPPED_ADAPTER if model_path is None else None
        adapter_path = None if adapter is None else validate_adapter_path(adapter)
        path = validate_gguf_path(default_model_path() if model_path is None else model_path)
        self.model_path, self.seed, self.min_shared = path, seed, min_shared
        self.n_ctx, self.n_batch, self.n_seq_max = n_ctx, n_batch, n_seq_max
        self.n_threads = n_threads
        self.prompt_cache = PromptCache.at(prompt_cache_dir)
        self._rt = LlamaRuntime(path, config, verbose)
        self.adapter_path, self.adapter_meta = adapter_path, {}
        self.adapter_sha256 = ""
        if adapter_path is not None:
            try:
                self._load_adapter(adapter_path)
            except BaseException:
                self.close()
                raise
        self.n_vocab = self._rt.n_vocab
        self._cached: list[int] = []  # tokens held in sequence 0
        self._cached_last: np.ndarray | None = None  # logits row after the last prompt token

    def _load_adapter(self, adapter_path: str) -> None:
        with open(adapter_path, "rb") as fh:
            self.adapter_sha256 = hashlib.sha256(fh.read()).hexdigest()
        meta = self.runtime.load_adapter(adapter_path)
        made_for = meta.get(BASE_SIZE_KEY)
        if made_for is not None and int(made_for) != os.path.getsize(self.model_path):
            raise AdapterError(
                f"adapter {adapter_path!r} was made for another base model "
                f"({meta.get('stackbot.base_model', '?')}, {made_for} bytes), not "
                f"{os.path.basename(self.model_path)!r}")
        self.adapter_meta = meta

    @property
    def prompt_form(self) -> str | None:
        """The prompt form the adapter was trained on (e.g. "transcript-v1"), if any."""
        return self.adapter_meta.get(PROMPT_KEY)

    provider = "llama_cpp"  # gen_ai.provider.name: llama.cpp, in this process

    @property
    def model_id(self) -> str:
        """The model as requested and as it answers (gen_ai.request.model and .response.model):
        the GGUF file, with its adapter."""
        return self.name.removeprefix("llama_cpp:")

    @property
    def name(self) -> str:
        base = f"llama_cpp:{os.path.basename(self.model_path)}"
        return base if self.adapter_path is None else \
            f"{base}+{os.path.basename(self.adapter_path)}"

    @property
    def runtime(self) -> LlamaRuntime:
        if self._rt is None:
            raise RuntimeError("the model is closed")
        return self._rt

    def tokenize(self, text: str, add_bos: bool = False) -> list[int]:
        return self.runtime.tokenize(text, add_bos)

    def prompt_token_count(self, prompt: str) -> int:
        """The prompt's tokens as scoring evaluates it (with the beginning-of-sequence token)."""
        return len(self.tokenize(prompt, add_bos=True))

    def _tokenize_all(self, prompt: str, continuations: Sequence[str]
                      ) -> tuple[list[int], list[list[int]]]:
        prompt_toks = self.tokenize(prompt, add_bos=True)
        if not prompt_toks:
            raise ValueError("empty prompt")
        options = [self.tokenize(c) for c in continuations]
        for text, toks in zip(continuations, options, strict=True):
            if not toks:
                raise ValueError(f"continuation {text!r} has no tokens")
        longest = max((len(t) for t in options), default=0)
        if len(prompt_toks) + max(longest, MIN_UBATCH) > self.n_ctx:
            raise ContextOverflowError(
                f"prompt ({len(prompt_toks)} tokens) + longest continuation ({longest} tokens) "
                f"exceeds the context window n_ctx={self.n_ctx}")
        return prompt_toks, options

    # ----------------------------------------------------------------------------- the prompt

    def _reset(self) -> None:
        self.runtime.clear()
        self._cached, self._cached_last = [], None

    def _extend_seq0(self, tokens: list[int], logits_from: int) -> np.ndarray:
        """Make sequence 0 hold `tokens`, reusing the cached prefix. Returns the logits rows for
        positions logits_from .. len(tokens)-1 (each predicts the token after it)."""
        rt = self.runtime
        keep, limit = 0, min(len(tokens), len(self._cached))
        while keep < limit and tokens[keep] == self._cached[keep]:
            keep += 1
        keep = max(0, min(keep, logits_from, len(tokens) - MIN_UBATCH))
        if not rt.seq_rm(0, keep):
            rt.clear()
            keep = 0
        self._cached, self._cached_last = tokens[:keep], None
        rows = []
        for a, b in _chunks(keep, len(tokens), self.n_batch):
            want = [p >= logits_from for p in range(a, b)]
            out = rt.decode(tokens[a:b], range(a, b), [0] * (b - a), want)
            self._cached = tokens[:b]
            if any(want):
                rows.append(np.array(out))
        return np.concatenate(rows)

    def prefill(self, prefix: str) -> str:
        """Hold `prefix` (a prompt start every later prompt shares) in the KV cache: loaded from
        the prompt cache when it holds it, else evaluated (and saved there). Returns "cached",
        "loaded" or "computed"."""
        tokens = self.tokenize(prefix, add_bos=True)
        if len(tokens) + MIN_UBATCH > self.n_ctx:
            raise ContextOverflowError(
                f"prefix ({len(tokens)} tokens) leaves no room in n_ctx={self.n_ctx}")
        if self._cached[:len(tokens)] == tokens:
            return "cached"
        path = None
        if self.prompt_cache is not None:
            settings = {"n_ctx": self.n_ctx, "n_threads": self.n_threads,
                        "n_batch": self.n_batch, "n_seq_max": self.n_seq_max,
                        "adapter": self.adapter_sha256}
            path = self.prompt_cache.path_for(self.model_path, settings, tokens)
            if path.is_file():
                self._reset()
                if self.runtime.load_seq(0, str(path), len(tokens)) == tokens:
                    self._cached = tokens
                    self.prompt_cache.used(path)
                    return "loaded"
                self._reset()
        self._extend_seq0(tokens, len(tokens) - 1)
        if path is not None and self.prompt_cache is not None:
            self.prompt_cache.save(path, lambda file: self.runtime.save_seq(0, tokens, file))
        return "computed"

    def _prompt_row(self, tokens: list[int]) -> np.ndarray:
        if tokens != self._cached or self._cached_last is None:
            self._cached_last = self._extend_seq0(tokens, len(tokens) - 1)[0]
        return self._cached_last

    # ----------------------------------------------------------------------------- scoring

    def score(self, prompt: str, continuations: Sequence[str]) -> list[ContinuationScore]:
        """log p(continuation | prompt) for each continuation, equal to `score_naive`."""
        if not continuations:
            return []
        prompt_toks, options = self._tokenize_all(prompt, continuations)
        return self.score_tokens(prompt_toks, options)

    def score_tokens(self, prompt_toks: list[int], options: list[list[int]]
                     ) -> list[ContinuationScore]:
        """`score` on token ids (the prompt's with BOS)."""
        if len(prompt_toks) + max(max(len(t) for t in options), MIN_UBATCH) > self.n_ctx:
            raise ContextOverflowError(f"prompt ({len(prompt_toks)} tokens) + continuation "
                                       f"exceeds the context window n_ctx={self.n_ctx}")
        segments, decodes = self._plan(options)
        rt, n_prompt = self.runtime, len(prompt_toks)
        reach = max(segments[s.segment].start + width(segments, slots, MIN_UBATCH)
                    for slots in decodes for s in slots)  # padding included
        if n_prompt + reach > self.n_ctx:
            raise ContextOverflowError(
                f"prompt ({n_prompt} tokens) + options (up to {reach} tokens, padded to batch "
                f"widths) exceed the context window n_ctx={self.n_ctx}")
        first = self._prompt_row(prompt_toks)
        wanted = _next_tokens(options)
        lps: dict[Node, dict[int, float]] = {
            (): dict(zip(wanted[()], log_softmax_at(first[None], [wanted[()]])[0], strict=True))}
        for slots in decodes:
            w = width(segments, slots, MIN_UBATCH)
            tokens, positions, seqs, want, nodes = [], [], [], [], []
            for slot in slots:
                rt.seq_cp(slot.copy_from, slot.stream)
                seg = segments[slot.segment]
                path = _path(segments, slot.segment)
                for j in range(w):
                    tokens.append(seg.tokens[min(j, len(seg.tokens) - 1)])  # padding is inert
                    positions.append(n_prompt + seg.start + j)
                    seqs.append(slot.stream)
                    needed = j < len(seg.tokens) and seg.want[j]
                    want.append(needed)
                    if needed:
                        nodes.append(path + seg.tokens[:j + 1])
            rows = rt.decode(tokens, positions, seqs, want)
            picks = [wanted[node] for node in nodes]
            for node, pick, values in zip(nodes, picks, log_softmax_at(rows, picks), strict=True):
                lps[node] = dict(zip(pick, values, strict=True))
            for slot in slots:  # drop the padding: children continue right after the segment
                seg = segments[slot.segment]
                rt.seq_rm(slot.stream, n_prompt + seg.start + len(seg.tokens))
        results = []
        for toks in options:
            token_lps = tuple(lps[tuple(toks[:j])][t] for j, t in enumerate(toks))
            results.append(ContinuationScore(float(sum(token_lps)), len(toks), token_lps))
        return results

    def search_options(self, prompt: str, continuations: Sequence[str],
                       affordances: Sequence[float], search: str = "best_first") -> OptionScores:
        """Scores for the SayCan choice, argmax of p(option | prompt) x affordance: "exhaustive"
        scores every option (`score`); "best_first" only the options that can still win
        (`planner.best_first`): the same choice, a pruned option's score an upper bound."""
        if not continuations:
            return OptionScores(())
        prompt_toks, options = self._tokenize_all(prompt, continuations)
        rt = self.runtime
        if search == "exhaustive":
            self._prompt_row(prompt_toks)
            tokens, rows = rt.tokens_decoded, rt.rows_computed
            scores = self.score_tokens(prompt_toks, options)
            return OptionScores(tuple(scores), search=SearchSummary(
                search, len(scores), 0, rt.tokens_decoded - tokens, rt.rows_computed - rows))
        if search != "best_first":
            raise ValueError(f"search must be best_first or exhaustive, got {search!r}")
        trie = OptionTrie(options, affordances)
        root = self._prompt_row(prompt_toks) if trie.needs_row(()) else None
        tokens, rows = rt.tokens_decoded, rt.rows_computed
        found = llama_search.search(rt, len(prompt_toks), self.n_ctx, root, trie,
                                    self.n_batch, self.n_seq_max - 1)
        scores = tuple(ContinuationScore(v, len(toks), lps) for v, toks, lps in
                       zip(found.logprobs, options, found.token_logprobs, strict=True))
        pruned = tuple(not s for s in found.scored)
        return OptionScores(scores, bounded=pruned, search=SearchSummary(
            search, len(scores) - sum(pruned), sum(pruned), rt.tokens_decoded - tokens,
            rt.rows_computed - rows, found.scored_mass))

    def _plan(self, options: list[list[int]]) -> tuple[list, list]:
        """Segments and decodes; a trie too wide for the streams shares fewer, longer runs
        (in the end none: every option its own segment, which always fits)."""
        min_shared = self.min_shared
        while True:
            segments = build_segments(options, min_shared, max_len=self.n_batch // 2)
            try:
                return segments, schedule(segments, self.n_seq_max - 1, self.n_batch, MIN_UBATCH)
            except RuntimeError:
                if min_shared > self.n_batch:
                    raise
                min_shared = min_shared * 2 if min_shared < 64 else self.n_batch + 1

    def score_naive(self, prompt: str, continuations: Sequence[str]) -> list[ContinuationScore]:
        """Reference scoring: a fresh full evaluation of prompt + continuation for each one."""
        prompt_toks, options = self._tokenize_all(prompt, continuations)
        results = []
        for toks in options:
            self._reset()
            rows = self._extend_seq0(prompt_toks + toks, len(prompt_toks) - 1)
            values = log_softmax_at(rows[:len(toks)], [[t] for t in toks])
            token_lps = tuple(v[0] for v in values)
            results.append(ContinuationScore(float(sum(token_lps)), len(toks), token_lps))
        self._reset()
        return results

    # ----------------------------------------------------------------------------- lifecycle

    def close(self) -> None:
        if self._rt is not None:
            self._rt.close()
            self._rt = None

    def __enter__(self) -> LlamaCppModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _next_tokens(options: Sequence[Sequence[int]]) -> dict[Node, list[int]]:
    """For each trie node (a token prefix), the distinct tokens some option continues it with."""
    out: dict[Node, dict[int, None]] = {}
    for toks in options:
        for j, t in enumerate(toks):
            out.setdefault(tuple(toks[:j]), {})[t] = None
    return {node: list(tokens) for node, tokens in out.items()}


def _path(segments: Sequence, k: int) -> Node:
    """The option tokens before segment k (its ancestors' tokens)."""
    parts = []
    parent = segments[k].parent
    while parent >= 0:
        parts.append(segments[parent].tokens)
        parent = segments[parent].parent
    start = segments[k].start
    path = tuple(t for part in reversed(parts) for t in part)
    return path[:start] if len(path) >= start else path
