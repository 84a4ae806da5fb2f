"""Test helpers: a tiny random-weight GGUF model, a real `llama_cpp.server` on 127.0.0.1, and a
fake OpenAI-compatible server there whose replies a test writes (NaN, garbage, wrong schemas)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

CHARS = [chr(c) for c in range(33, 127)]  # printable ASCII without the space


def write_tiny_gguf(path: Path, seed: int = 0) -> Path:
    """A 2-layer llama with a SentencePiece vocabulary of characters (plus byte fallbacks) and
    random weights: its log-probabilities are meaningless but real, and its 354-token vocabulary
    keeps llama-cpp-python's per-token vocabulary sort (echo + logprobs) fast."""
    import gguf

    rng = np.random.default_rng(seed)
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + ["▁", *CHARS]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    types += [gguf.TokenType.BYTE] * 256 + [gguf.TokenType.NORMAL] * (1 + len(CHARS))
    n_vocab, n_embd, n_ff, n_head, n_layer = len(tokens), 64, 128, 4, 2
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(1024)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(n_layer)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(n_embd // n_head)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * n_vocab)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_space_prefix(False)  # like Gemma: an option tokenises alone as after a newline

    def weight(*shape: int, scale: float = 0.5) -> np.ndarray:
        return (rng.standard_normal(shape) * scale / np.sqrt(shape[-1])).astype(np.float32)

    writer.add_tensor("token_embd.weight", weight(n_vocab, n_embd, scale=8.0))
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("output.weight", weight(n_vocab, n_embd, scale=4.0))
    for i in range(n_layer):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        for name in ("q", "k", "v", "output"):
            writer.add_tensor(f"blk.{i}.attn_{name}.weight", weight(n_embd, n_embd))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", weight(n_ff, n_embd))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", weight(n_ff, n_embd))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", weight(n_embd, n_ff))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def llama_server(model_path: str, alias: str, n_ctx: int = 2048, chat_format: str | None = None,
                 timeout: float = 180.0) -> Iterator[str]:
    """`python -m llama_cpp.server` on 127.0.0.1 and a free port; yields its /v1 base URL and
    stops it afterwards."""
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", model_path, "--model_alias",
           alias, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
           "--n_threads", "2", "--n_threads_batch", "2", "--verbose", "False"]
    if chat_format:
        cmd += ["--chat_format", chat_format]
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}: {cmd}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2.0) as reply:
                    if reply.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server not ready after {timeout} s")
            time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


Body = str | bytes
Answer = Callable[[str, dict[str, Any]], Body | tuple[int, Body]]  # -> [status,] reply body


@dataclass
class FakeEndpoint:
    """A fake OpenAI-compatible server: `answer(route, body)` writes the reply body (and status,
    200 unless it says) of every POST (`json.dumps` writes NaN and Infinity as such);
    GET /v1/models lists one model."""

    base_url: str
    answer: Answer
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@contextmanager
def fake_openai(answer: Answer) -> Iterator[FakeEndpoint]:
    """Serve a FakeEndpoint on 127.0.0.1 and a free port (HTTP/1.1, one thread per
    connection) until the block ends."""
    endpoint = FakeEndpoint("", answer)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            self._reply(200, json.dumps({"object": "list", "data": [
                {"id": "fake", "object": "model", "owned_by": "tests"}]}))

        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            route = self.path.removeprefix("/v1")
            with lock:
                endpoint.requests.append((route, body))
            answer = endpoint.answer(route, body)
            self._reply(*answer) if isinstance(answer, tuple) else self._reply(200, answer)

        def _reply(self, status: int, body: Body) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    endpoint.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def echo_reply(body: dict[str, Any], logprob: Callable[[str, int], Any] = lambda _, i: -0.5,
               ) -> dict[str, Any]:
    """A llama-cpp-python-like /completions reply, one token per character: with `echo`, the
    prompt's token log-probabilities (None for the first, `logprob(prompt, i)` for token i)
    and one generated token's."""
    prompt = str(body["prompt"])
    choice: dict[str, Any] = {"index": 0, "text": prompt + "x" if body.get("echo") else "x",
                              "finish_reason": "length", "logprobs": None}
    if body.get("echo"):
        values = [None] + [logprob(prompt, i) for i in range(1, len(prompt))] + [-1.0]
        choice["logprobs"] = {"tokens": [*prompt, "x"], "token_logprobs": values}
    return {"id": "cmpl-1", "object": "text_completion", "model": "fake", "choices": [choice],
            "usage": {"prompt_tokens": len(prompt), "completion_tokens": 1,
                      "total_tokens": len(prompt) + 1}}


def chat_reply(content: Any, top: list[tuple[Any, Any]] | None = None) -> dict[str, Any]:
    """A /chat/completions reply: `content`, and with `top` the first token's top_logprobs."""
    logprobs = None
    if top is not None:
        token = top[0][0] if top else content
        logprobs = {"content": [{"token": token, "logprob": top[0][1] if top else 0.0,
                                 "top_logprobs": [{"token": t, "logprob": v} for t, v in top]}]}
    return {"id": "chat-1", "object": "chat.completion", "model": "fake", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": content},
         "logprobs": logprobs, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}}
