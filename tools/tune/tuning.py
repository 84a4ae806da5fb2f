"""One tuning run: encode, train, evaluate, export, check against llama.cpp, plot, manifest."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from planner.llama_runtime import default_model_path, load_tokenizer
from tools.tune.demos import Demonstration
from tools.tune.encode import TokenSequence, encode_all
from tools.tune.export import export_adapter
from tools.tune.train import TrainConfig, evaluate, load_lora_model, train

LOG_EVERY = 50  # steps between plain progress lines when the bar is off (logs, CI)


def run_tuning(train_demos: list[Demonstration], validation: list[Demonstration],
               config: TrainConfig, out: Path, manifest: dict[str, Any], prompt_form: str,
               max_steps: int | None = None, progress: bool = True) -> dict[str, Any]:
    from tqdm import tqdm

    base = default_model_path()
    tokenize = load_tokenizer(base)
    train_seqs, valid_seqs = encode_all(train_demos, tokenize), encode_all(validation, tokenize)
    manifest["data"]["tokens"] = sum(len(s) for s in train_seqs)
    manifest["data"]["answer_tokens"] = sum(len(s.answer_at) for s in train_seqs)
    print(f"{len(train_seqs)} training sequences, {manifest['data']['tokens']} tokens "
          f"({manifest['data']['answer_tokens']} answer tokens); loading the base model in "
          "torch (about a minute)", flush=True)
    model = load_lora_model(base, config)
    before = evaluate(model, valid_seqs, config)
    bar = tqdm(total=0, disable=not progress, unit="step", dynamic_ncols=True)
    started = time.monotonic()

    def on_step(step: int, total: int, loss: float) -> None:
        bar.total = total
        bar.set_postfix(loss=f"{loss:.3f}")
        bar.update(1)
        if not progress and ((step + 1) % LOG_EVERY == 0 or step + 1 == total):
            print(f"step {step + 1}/{total}, loss {loss:.4f}, "
                  f"{time.monotonic() - started:.0f} s", flush=True)

    history = train(model, train_seqs, config, on_step, max_steps)
    bar.close()
    after = evaluate(model, valid_seqs, config)
    adapter = out / "adapter.gguf"
    tensors = export_adapter(model, str(adapter), base, config.alpha, prompt_form)
    (out / "loss.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history))
    plot_loss(history, before, after, out / "loss.png")
    agreement = check_llama_agreement(model, str(adapter), base, valid_seqs[:4])
    manifest |= {
        "base_model": Path(base).name,
        "adapter": {"path": str(adapter), "bytes": adapter.stat().st_size, "tensors": tensors},
        "evaluation": {"validation_loss_before": round(before, 4),
                       "validation_loss_after": round(after, 4),
                       "first_loss": round(history[0]["loss"], 4),
                       "last_loss": round(history[-1]["loss"], 4),
                       "steps": len(history), "seconds": round(history[-1]["seconds"], 1),
                       **agreement},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def plot_loss(history: list[dict[str, float]], before: float, after: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    steps = [h["step"] for h in history]
    ax.plot(steps, [h["loss"] for h in history], lw=0.8, label="training batch")
    ax.axhline(before, color="gray", ls="--", lw=0.8, label=f"validation before {before:.3f}")
    ax.axhline(after, color="green", ls="--", lw=0.8, label=f"validation after {after:.3f}")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("answer loss (nats/token)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def torch_plan_logprobs(model: Any, sequences: list[TokenSequence]) -> list[float]:
    """The summed log-probability of each sequence's answer tokens in torch (fp32)."""
    import torch

    out = []
    with torch.no_grad():
        for seq in sequences:
            ids = torch.tensor([seq.tokens])
            logits = model(input_ids=ids).logits[0].float()
            lp = torch.log_softmax(logits, dim=-1)
            out.append(float(sum(lp[p, seq.tokens[p + 1]] for p in seq.answer_at)))
    return out


def llama_plan_logprobs(model_path: str, adapter: str | None,
                        sequences: list[TokenSequence]) -> list[float]:
    from planner.llama_backend import LlamaCppModel

    out = []
    with LlamaCppModel(model_path, adapter=adapter, prompt_cache_dir=None,
                       n_ctx=1024) as llm:
        for seq in sequences:
            total = 0.0
            for start, stop in _answer_spans(seq):  # each step: its prompt, then the option
                prompt, option = seq.tokens[:start + 1], seq.tokens[start + 1:stop + 2]
                total += llm.score_tokens(list(prompt), [list(option)])[0].logprob
            out.append(total)
    return out


def _answer_spans(seq: TokenSequence) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for p in seq.answer_at:
        if spans and spans[-1][1] == p - 1:
            spans[-1] = (spans[-1][0], p)
        else:
            spans.append((p, p))
    return spans


def check_llama_agreement(model: Any, adapter: str, base: str,
                          sequences: list[TokenSequence]) -> dict[str, float]:
    """Per-plan log-probabilities, torch vs llama.cpp, with the adapter and without it (the
    second is the quantisation error of the Q4_K_M file alone)."""
    with_adapter = torch_plan_logprobs(model, sequences)
    with model.disable_adapter():
        without = torch_plan_logprobs(model, sequences)
    llama_with = llama_plan_logprobs(base, adapter, sequences)
    llama_without = llama_plan_logprobs(base, None, sequences)
    return {
        "plans_compared": len(sequences),
        "max_diff_with_adapter": round(max(abs(a - b) for a, b in
                                           zip(with_adapter, llama_with, strict=True)), 4),
        "max_diff_without_adapter": round(max(abs(a - b) for a, b in
                                              zip(without, llama_without, strict=True)), 4),
        "mean_plan_logprob_with_adapter": round(sum(llama_with) / len(llama_with), 4),
    }
