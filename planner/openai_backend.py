"""OpenAI-compatible endpoints (OpenAI, vLLM, Ollama, llama-cpp-python's server) as the planner's
language model, through the `openai` package.

Modes:
* `echo`: /v1/completions with echo + logprobs and max_tokens=1 (0 means "unlimited" to
  llama-cpp-python's server) gives log p(option | prompt) token by token, as the embedded backend
  does. The option's tokens are the last ones before the generated token, counted by the token
  counts the server reports (prompt alone vs prompt + option), never by text_offset (off by one on
  SentencePiece tokenisers). A server that returns no prompt log-probabilities is refused.
* `choice`: a chat model sees the options labelled A, B, ... and answers with a label; the
  distribution comes from the top_logprobs of the answer's first token. More than 20 options (what
  top_logprobs returns at most) get two-level labels: the model picks a group, then, in one request
  per group, an option within it; log p = log p(group) + log p(option | group).
* `generate`: the model writes the next line; it is mapped to the most similar option (difflib);
  below `min_similarity` the model abstains and the planner answers done().

Every reply is read as plain JSON and checked field by field (`planner.openai_reply`): a reply a
mode cannot use (NaN or infinite log-probabilities, ones above 0, missing fields, wrong types, the
wrong number of them) is an EndpointError naming the endpoint and what it returned, before the
planner chooses anything. API keys come only from the environment variable named by
`api_key_env` and are never logged. Identical requests are answered from an in-process cache.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

import openai

from planner import openai_reply as read
from planner.llm import ContinuationScore, EndpointError, OptionScores, shown
from planner.openai_modes import (
    FLOOR,
    LABELS,
    choice_messages,
    closest_option,
    first_line,
    generate_messages,
    group_messages,
    label_groups,
    label_logprobs,
)

log = logging.getLogger(__name__)

Mode = Literal["echo", "choice", "generate"]
T = TypeVar("T")


class OpenAIModel:
    """A model behind an OpenAI-compatible API. api_key_env: the NAME of the environment variable
    holding the key (null for local servers that need none). timeout: seconds per request;
    retries: further attempts (exponential backoff, by the openai client) on connection errors,
    429 and 5xx; concurrency: requests in flight at once. check_on_start: list the server's models
    when built, so a wrong address fails before anything else starts."""

    def __init__(self, base_url: str, model: str, mode: Mode = "echo",
                 api_key_env: str | None = "OPENAI_API_KEY", timeout: float = 60.0,
                 retries: int = 2, concurrency: int = 4, min_similarity: float = 0.8,
                 generate_max_tokens: int = 48, check_on_start: bool = True) -> None:
        if mode not in ("echo", "choice", "generate"):
            raise ValueError(f"llm.mode must be echo, choice or generate, got {mode!r}")
        if timeout <= 0 or retries < 0 or concurrency < 1 or not 0 < min_similarity <= 1:
            raise ValueError("need timeout > 0, retries >= 0, concurrency >= 1, "
                             "0 < min_similarity <= 1")
        key = "no-key"  # local servers ignore it; the client insists on one
        if api_key_env:
            key = os.environ.get(api_key_env, "")
            if not key:
                raise ValueError(f"the environment variable {api_key_env} (llm.api_key_env) with "
                                 f"the API key for {base_url} is not set")
        self.base_url, self.model, self.mode = base_url, model, mode
        self.response_model = model  # gen_ai.response.model: as the last reply named it
        self.min_similarity, self.generate_max_tokens = min_similarity, generate_max_tokens
        self.concurrency = concurrency
        self._client = openai.OpenAI(base_url=base_url, api_key=key, timeout=timeout,
                                     max_retries=retries)
        self._cache: dict[tuple[str, str, tuple[str, ...]], OptionScores] = {}
        self._prompt_tokens: dict[str, int] = {}
        if check_on_start:
            self._call(lambda: self._client.models.with_raw_response.list())

    provider = "openai"  # gen_ai.provider.name: what the OpenAI client speaks to

    @property
    def name(self) -> str:
        return f"openai:{self.model}@{self.base_url} ({self.mode})"

    @property
    def model_id(self) -> str:
        """The model requested (gen_ai.request.model)."""
        return self.model

    # ----------------------------------------------------------------------------- plumbing

    def _call(self, request: Callable[[], Any]) -> dict[str, Any]:
        """One request (made `with_raw_response`) and its JSON reply; failures become
        EndpointError naming the endpoint and the problem."""
        where = f"the LLM endpoint {self.base_url}"
        try:
            reply = read.parse(request().text)
        except read.ReplyError as error:
            raise EndpointError(f"{where} {error}") from None
        except openai.AuthenticationError as error:
            raise EndpointError(f"{where} refused the API key ({error.status_code})") from None
        except openai.NotFoundError:
            raise EndpointError(f"{where} has no model {self.model!r} or no such route") from None
        except openai.APITimeoutError:
            raise EndpointError(f"{where} did not answer in time") from None
        except openai.APIConnectionError as error:
            cause = error.__cause__ or error
            raise EndpointError(f"cannot reach {where}: {cause}") from None
        except openai.APIStatusError as error:
            raise EndpointError(f"{where} answered {error.status_code}: "
                                f"{shown(error.message, 200)}") from None
        except openai.APIError as error:
            raise EndpointError(f"{where} failed: {shown(str(error), 200)}") from None
        if isinstance(reply.get("model"), str):
            self.response_model = reply["model"]  # the model that answered (a server may alias)
        return reply

    def _read(self, reading: Callable[[], T]) -> T:
        """Read a reply; what a mode cannot use becomes EndpointError naming the endpoint."""
        try:
            return reading()
        except read.ReplyError as error:
            raise EndpointError(f"the LLM endpoint {self.base_url} {error}") from None

    def _map(self, fn: Callable[[Any], T], items: Sequence[Any]) -> list[T]:
        if len(items) <= 1 or self.concurrency == 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(fn, items))

    # ----------------------------------------------------------------------------- the protocols

    def score(self, prompt: str, continuations: Sequence[str]) -> list[ContinuationScore]:
        """log p(continuation | prompt) per continuation (echo mode only)."""
        if self.mode != "echo":
            raise ValueError(f"{self.mode} mode gives no text log-probabilities; use score_options")
        return list(self.score_options(prompt, continuations).scores)

    def score_options(self, prompt: str, continuations: Sequence[str]) -> OptionScores:
        key = (self.mode, prompt, tuple(continuations))
        if key not in self._cache:
            if not continuations:
                return OptionScores((), self.mode)
            handler = {"echo": self._echo, "choice": self._choice, "generate": self._generate}
            self._cache[key] = handler[self.mode](prompt, list(continuations))
        return self._cache[key]

    # ----------------------------------------------------------------------------- echo

    def _echo(self, prompt: str, continuations: list[str]) -> OptionScores:
        n_prompt = self._count_prompt(prompt)
        scores = self._map(lambda text: self._echo_one(prompt, text, n_prompt), continuations)
        return OptionScores(tuple(scores), "logprob", {"endpoint_mode": "echo"})

    def prompt_token_count(self, prompt: str) -> int | None:
        """The prompt's tokens as the server counted them, when a call so far asked it."""
        return self._prompt_tokens.get(prompt)

    def _count_prompt(self, prompt: str) -> int:
        if prompt not in self._prompt_tokens:
            reply = self._call(lambda: self._client.completions.with_raw_response.create(
                model=self.model, prompt=prompt, max_tokens=1, temperature=0.0))
            self._prompt_tokens[prompt] = self._read(lambda: read.usage_counts(reply, 1))[0]
        return self._prompt_tokens[prompt]

    def _echo_one(self, prompt: str, text: str, n_prompt: int) -> ContinuationScore:
        reply = self._call(lambda: self._client.completions.with_raw_response.create(
            model=self.model, prompt=prompt + text, max_tokens=1, temperature=0.0, echo=True,
            logprobs=0))
        return self._read(lambda: _option_score(reply, text.strip(), n_prompt))

    # ----------------------------------------------------------------------------- choice

    def _ask_label(self, messages: list[dict[str, str]], n: int) -> tuple[list[float], str]:
        reply = self._call(lambda: self._client.chat.completions.with_raw_response.create(
            model=self.model, messages=messages, max_tokens=1, temperature=0.0, logprobs=True,
            top_logprobs=len(LABELS)))
        answer, top = self._read(lambda: read.top_logprobs(reply, len(LABELS)))
        return label_logprobs(top, n), answer

    def _choice(self, prompt: str, continuations: list[str]) -> OptionScores:
        groups = label_groups(len(continuations))
        texts = [[continuations[i] for i in g] for g in groups]
        if len(groups) == 1:
            values, answer = self._ask_label(choice_messages(prompt, continuations),
                                             len(continuations))
            detail: dict[str, Any] = {"answer": answer, "labels": list(LABELS[:len(values)])}
        else:
            asks = [(group_messages(prompt, texts), len(groups))]
            asks += [(choice_messages(prompt, t), len(t)) for t in texts]
            answers = self._map(lambda ask: self._ask_label(*ask), asks)
            group_lps, group_answer = answers[0]
            values = [max(group_lps[g] + lp, FLOOR) for g, (lps, _) in enumerate(answers[1:])
                      for lp in lps]
            detail = {"group_answer": group_answer, "answers": [a for _, a in answers[1:]],
                      "groups": [[LABELS[g] + LABELS[j] for j in range(len(t))]
                                 for g, t in enumerate(texts)]}
        scores = tuple(ContinuationScore(v, 1) for v in values)
        return OptionScores(scores, "choice", detail)

    # ----------------------------------------------------------------------------- generate

    def _generate(self, prompt: str, continuations: list[str]) -> OptionScores:
        reply = self._call(lambda: self._client.chat.completions.with_raw_response.create(
            model=self.model, messages=generate_messages(prompt),
            max_tokens=self.generate_max_tokens, temperature=0.0))
        text = self._read(lambda: read.message_text(reply))
        line = first_line(text)
        best, similarity = closest_option(line, continuations)
        matched = similarity >= self.min_similarity
        detail = {"text": text, "line": line, "match": continuations[best].strip() if matched
                  else None, "closest": continuations[best].strip() if best >= 0 else None,
                  "similarity": round(similarity, 4)}
        scores = tuple(ContinuationScore(0.0 if matched and i == best else FLOOR, 0)
                       for i in range(len(continuations)))
        abstain = "" if matched else (
            f"the model wrote {line!r}, which matches no admissible option (closest "
            f"{detail['closest']!r}, similarity {similarity:.2f} < {self.min_similarity})")
        return OptionScores(scores, "generate", detail, abstain)


def _option_score(reply: dict[str, Any], text: str, n_prompt: int) -> ContinuationScore:
    """log p(option | prompt) from an echoed completion of prompt + option: the option's tokens
    are the last ones before the generated ones, counted by the reported token usage."""
    n_tokens, generated = read.usage_counts(reply, 1)
    n_option = n_tokens - n_prompt
    values = read.token_logprobs(reply)
    end = len(values) - generated
    if all(v is None for v in values[:max(end, 0)]):
        raise read.ReplyError(
            f"returned no prompt log-probabilities for {text!r}; echo mode needs a server that "
            "does (vLLM, llama-cpp-python's server); use mode=choice or mode=generate with this "
            "one")
    option = values[end - n_option:end] if 0 < n_option <= end else []
    # n_tokens counts the BOS token, whose log-probability some servers list (as None)
    counted = n_tokens - 1 + generated <= len(values) <= n_tokens + generated
    if not counted or not option or None in option:
        raise read.ReplyError(
            f"reported {n_tokens} prompt tokens ({n_option} for {text!r}) and {generated} "
            f"generated, and returned {len(values)} token log-probabilities")
    token_lps = tuple(read.logprob(v, repr(text)) for v in option)
    return ContinuationScore(read.logprob(sum(token_lps), repr(text)), n_option, token_lps)
