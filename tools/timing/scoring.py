"""Option scoring, naive vs optimised, on realistic prompts: `python -m tools.timing.scoring`.

For K = 7, 53 and 95 options (pick_and_place over 3-, 5- and 8-object scenes, plus done()) it
prints: prompt tokens; naive seconds (a full evaluation of prompt + option per option); optimised
seconds with the prompt evaluated from scratch (a cold first step), with the few-shot header's KV
kept from an earlier episode (a first step of a later episode), with the header's KV loaded from the
on-disk prompt cache (the first step of a new process; loading included), and with the prompt
extended by one history line (a later step); the speed-up of the cold optimised scoring over
naive; the tokens the optimised scoring decoded (padding included) and the logits rows it
computed; and the limit: one pass over the prompt plus every unique trie token, with logits only
where needed. It also checks that the optimised scores equal the naive ones. Timings, not
assertions: the machine's load (shown) shows up here.
"""

from __future__ import annotations

import argparse
import os
import time

from agent.config import compose_config
from agent.session import build_skills
from planner.llama_backend import LlamaCppModel
from planner.llama_runtime import log_softmax_at
from planner.prompt import PromptBuilder
from skills.options import enumerate_options
from tools.timing.scenes import make_scene

CASES = {  # K: objects in the scene (the first K-1 pick_and_place options, then done())
    7: ("red block", "green block", "blue bowl"),
    53: ("red block", "green block", "blue block", "yellow block", "blue bowl"),
    95: ("red block", "green block", "blue block", "yellow block", "orange block", "purple block",
         "blue bowl", "red bowl"),
}
OTHER = ("cyan block", "brown block", "pink bowl")  # the scene of an earlier episode


def timed(fn, *args):  # noqa: ANN001, ANN202
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def first_step_from_disk(model: LlamaCppModel, header: str, prompt: str,
                         texts: list[str]) -> float:
    """Seconds for a new process's first step: load the header's KV from the prompt cache
    (written here first if missing), then score."""
    model._reset()
    model.prefill(header)
    model._reset()
    started = time.perf_counter()
    how = model.prefill(header)
    model.score(prompt, texts)
    seconds = time.perf_counter() - started
    if how != "loaded":
        raise RuntimeError(f"the header was {how}, not loaded from the prompt cache")
    return seconds


def limit_seconds(model: LlamaCppModel, prompt_toks: list[int], options: list[list[int]]) -> float:
    """One pass: the prompt, then every unique trie token once, logits only where needed."""
    nodes: dict[tuple[int, ...], bool] = {}
    for toks in options:
        for j in range(len(toks)):
            node = tuple(toks[:j + 1])
            nodes[node] = nodes.get(node, False) or j + 1 < len(toks)
    tokens = [node[-1] for node in nodes]
    want = list(nodes.values())
    rt, n_p = model.runtime, len(prompt_toks)
    model._reset()
    t = time.perf_counter()
    model._extend_seq0(prompt_toks, n_p - 1)
    room = model.n_ctx - n_p
    for a in range(0, len(tokens), room):
        b = min(a + room, len(tokens))
        rt.seq_rm(0, n_p)
        rows = rt.decode(tokens[a:b], range(n_p, n_p + b - a), [0] * (b - a), want[a:b])
        log_softmax_at(rows, [[0]] * len(rows))
    seconds = time.perf_counter() - t
    model._reset()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-path", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ks", default="7,53,95", help="comma-separated option counts")
    parser.add_argument("--naive-max", type=int, default=0,
                        help="time naive scoring on at most this many options and extrapolate "
                             "(0 = all)")
    args = parser.parse_args()
    model = LlamaCppModel(args.model_path, n_threads=args.threads)
    skills = build_skills(compose_config())  # the default config's skills
    builder = PromptBuilder(examples=skills.prompt_examples())  # the few-shot prompt
    command = "put the red block in the blue bowl"
    print(f"model {model.name}, {args.threads} threads, n_ctx {model.n_ctx}, "
          f"n_seq_max {model.n_seq_max}; load average {os.getloadavg()[0]:.2f}")
    print(f"{'K':>3} {'prompt':>6} {'naive s':>8} {'cold s':>7} {'header s':>8} {'next s':>7} "
          f"{'disk s':>6} {'speed-up':>8} {'tokens':>6} {'rows':>5} {'limit s':>7} "
          f"{'max |diff|':>10}")
    for k in (int(x) for x in args.ks.split(",")):
        names = CASES.get(k, CASES[95])
        scene = make_scene(*names)
        options = [o for o in enumerate_options(scene, skills) if not o.is_done][:k - 1]
        texts = [o.text + "\n" for o in options] + ["done()\n"]
        prompt = builder.build(command, scene)
        later = builder.build(command, scene, [options[0].text])
        earlier = builder.build("put the cyan block in the pink bowl", make_scene(*OTHER))

        sample = texts if not args.naive_max else texts[:args.naive_max]
        naive_s, naive = timed(model.score_naive, prompt, sample)
        naive_s *= len(texts) / len(sample)
        model._reset()
        rt = model.runtime
        tok0, row0 = rt.tokens_decoded, rt.rows_computed
        cold_s, fast = timed(model.score, prompt, texts)
        tokens, rows = rt.tokens_decoded - tok0, rt.rows_computed - row0
        next_s, _ = timed(model.score, later, texts)
        model.score(earlier, ["done()\n"])  # an earlier episode: the header stays cached
        header_s, _ = timed(model.score, prompt, texts)
        disk_s = first_step_from_disk(model, builder.header(), prompt, texts)
        diff = max(abs(a.logprob - b.logprob) for a, b in zip(fast, naive, strict=False))
        prompt_toks = model.tokenize(prompt, add_bos=True)
        limit = limit_seconds(model, prompt_toks, [model.tokenize(t) for t in texts])
        est = "*" if len(sample) < len(texts) else " "
        print(f"{k:>3} {len(prompt_toks):>6} {naive_s:>7.1f}{est} {cold_s:>7.2f} {header_s:>8.2f} "
              f"{next_s:>7.2f} {disk_s:>6.2f} {naive_s / cold_s:>7.1f}x "
              f"{tokens - len(prompt_toks):>6} {rows:>5} {limit:>7.2f} {diff:>10.2g}", flush=True)
    print("tokens: option tokens decoded (padding included) after the prompt; rows: logits rows;"
          " * naive extrapolated from --naive-max options; load average now "
          f"{os.getloadavg()[0]:.2f}")
    model.close()


if __name__ == "__main__":
    main()
