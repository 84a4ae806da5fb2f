"""Reading an OpenAI-compatible server's JSON replies for the backend's three modes. Every field
the backend uses is checked for its type and range, so a reply a mode cannot use is a ReplyError
saying what is wrong in it (the backend adds which endpoint sent it)."""

from __future__ import annotations

import json
import math
from typing import Any

from planner.llm import logprob_problem, shown

Top = list[tuple[str, float]]


class ReplyError(ValueError):
    """The reply is not what the mode needs; the message completes "the LLM endpoint X ..."."""


def parse(text: str) -> dict[str, Any]:
    """The reply's JSON object."""
    try:
        reply = json.loads(text)
    except (ValueError, RecursionError) as error:  # not JSON, nested too deep, a 5000-digit int
        raise ReplyError(f"returned a reply that is not JSON ({shown(str(error))})") from None
    if not isinstance(reply, dict):
        raise ReplyError(f"returned {type(reply).__name__} JSON instead of an object")
    return reply


def usage_counts(reply: dict[str, Any], asked: int) -> tuple[int, int]:
    """(prompt_tokens, completion_tokens) of a completion of at most `asked` tokens; echo mode
    needs both."""
    usage = reply.get("usage")
    prompt = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    if not _count(prompt) or prompt < 1:
        raise ReplyError(f"reports no token usage (prompt_tokens {shown(prompt)}); echo mode "
                         "needs it to find the option's tokens")
    completion = usage.get("completion_tokens")
    completion = 0 if completion is None else completion
    if not _count(completion) or completion > asked:
        raise ReplyError(f"reports completion_tokens {shown(completion)}, not a count of at "
                         f"most the {asked} asked for")
    return prompt, completion


def token_logprobs(reply: dict[str, Any]) -> list[Any]:
    """The echoed token log-probabilities of the first choice (None where a server gives none)."""
    logprobs = first_choice(reply).get("logprobs")
    values = logprobs.get("token_logprobs") if isinstance(logprobs, dict) else None
    if values is None:
        return []
    if not isinstance(values, list):
        raise ReplyError(f"returned token_logprobs {shown(values)}, not a list")
    return values


def top_logprobs(reply: dict[str, Any], asked: int) -> tuple[str, Top]:
    """The answer's first token and its top_logprobs as (token, log-probability) pairs, checked:
    at most the `asked` number of them, each a log-probability, together a probability of at
    most 1."""
    logprobs = first_choice(reply).get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not content:
        raise ReplyError("returned no top_logprobs; choice mode needs them (use mode=generate)")
    if not isinstance(content, list) or not isinstance(content[0], dict):
        raise ReplyError(f"returned logprobs.content {shown(content)}, not a list of tokens")
    answer, listed = content[0].get("token"), content[0].get("top_logprobs")
    if not isinstance(answer, str):
        raise ReplyError(f"returned the answer token {shown(answer)}, not a string")
    if not listed:
        raise ReplyError("returned no top_logprobs; choice mode needs them (use mode=generate)")
    if not isinstance(listed, list):
        raise ReplyError(f"returned top_logprobs {shown(listed)}, not a list")
    if len(listed) > asked:
        raise ReplyError(f"returned {len(listed)} top_logprobs, more than the {asked} asked for")
    top: Top = []
    for entry in listed:
        token = entry.get("token") if isinstance(entry, dict) else None
        if not isinstance(token, str):
            raise ReplyError(f"returned the top_logprobs entry {shown(entry)}, not a token "
                             "and its logprob")
        top.append((token, logprob(entry.get("logprob"), f"the token {token!r}")))
    total = sum(math.exp(value) for _, value in top)
    if total > 1.0 + 1e-3:
        raise ReplyError(f"returned top_logprobs whose probabilities add up to {total:.3g}, "
                         "more than 1")
    return answer, top


def message_text(reply: dict[str, Any]) -> str:
    """The chat answer's text ("" for none)."""
    message = first_choice(reply).get("message")
    if not isinstance(message, dict) or "content" not in message:
        raise ReplyError(f"returned the message {shown(message)}, not one with content")
    content = message["content"]
    if content is None:
        return ""
    if not isinstance(content, str):
        raise ReplyError(f"returned the message content {shown(content)}, not text")
    return content


def first_choice(reply: dict[str, Any]) -> dict[str, Any]:
    choices = reply.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ReplyError(f"returned choices {shown(choices)}, not a list of choices")
    return choices[0]


def logprob(value: Any, what: str) -> float:
    """`value` as a log-probability of `what`, or a ReplyError saying what it is instead."""
    if problem := logprob_problem(value):
        raise ReplyError(f"returned a log-probability of {problem}, for {what}")
    return float(value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0

