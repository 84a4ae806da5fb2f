"""LoRA tuning of the embedded model on encoded demonstrations (torch + transformers + peft).

The loss is the next-token cross-entropy at answer positions only, and the 262k-word output
layer is applied only there (it dominates the cost otherwise); bf16 autocast on the CPU.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.tune.encode import TokenSequence, batches

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
INSTALL_HINT = "pip install 'stackbot[tune]'"


class TuneDependencyError(ImportError):
    """torch, transformers or peft is missing."""


def require_tune_extra() -> None:
    missing = []
    for module in ("torch", "transformers", "peft", "gguf"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise TuneDependencyError(f"{', '.join(missing)} not installed: {INSTALL_HINT} "
                                  "(with torch==2.13.0 for the CPU build)")


@dataclass(frozen=True)
class TrainConfig:
    rank: int = 16
    alpha: float = 32.0
    learning_rate: float = 3e-4
    epochs: float = 1.0
    max_batch_tokens: int = 1024
    threads: int = 1
    seed: int = 0
    bf16: bool = False  # autocast pays only on CPUs with bf16 instructions (AVX512-BF16, AMX)
    warmup_steps: int = 10

    def __post_init__(self) -> None:
        for name in ("alpha", "learning_rate", "epochs"):
            value = getattr(self, name)
            if not 0 < value < math.inf:  # NaN fails this too
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if self.rank < 1 or self.max_batch_tokens < 64 or self.threads < 1:
            raise ValueError(f"need rank >= 1, max_batch_tokens >= 64 and threads >= 1, got "
                             f"{self.rank}, {self.max_batch_tokens} and {self.threads}")
        if self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be 0 or more, got {self.warmup_steps}")


def load_lora_model(gguf_path: str, config: TrainConfig) -> Any:
    """The GGUF base model dequantised to fp32 in transformers, with LoRA on every projection."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    base = AutoModelForCausalLM.from_pretrained(
        os.path.dirname(gguf_path), gguf_file=os.path.basename(gguf_path),
        torch_dtype=torch.float32)
    lora = LoraConfig(r=config.rank, lora_alpha=config.alpha, lora_dropout=0.0, bias="none",
                      target_modules=list(TARGET_MODULES), task_type="CAUSAL_LM")
    return get_peft_model(base, lora)


def answer_loss(model: Any, sequences: list[TokenSequence], bf16: bool) -> tuple[Any, int]:
    """(sum of answer-token losses, answer tokens) for one padded batch."""
    import torch

    width = max(len(s) for s in sequences)
    ids = torch.zeros((len(sequences), width), dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    rows, cols, targets = [], [], []
    for b, seq in enumerate(sequences):
        ids[b, :len(seq)] = torch.tensor(seq.tokens)
        mask[b, :len(seq)] = 1
        for p in seq.answer_at:
            rows.append(b)
            cols.append(p)
            targets.append(seq.tokens[p + 1])
    causal_lm = model.base_model.model
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        hidden = causal_lm.model(input_ids=ids, attention_mask=mask).last_hidden_state
        logits = causal_lm.lm_head(hidden[torch.tensor(rows), torch.tensor(cols)])
    logits = logits.float()
    cap = getattr(causal_lm.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(targets), reduction="sum")
    return loss, len(targets)


def evaluate(model: Any, sequences: list[TokenSequence], config: TrainConfig) -> float:
    """Mean answer loss (nats per answer token)."""
    import torch

    total, count = 0.0, 0
    with torch.no_grad():
        for group in batches(sequences, config.max_batch_tokens):
            loss, n = answer_loss(model, [sequences[i] for i in group], config.bf16)
            total, count = total + float(loss), count + n
    return total / max(count, 1)


def train(model: Any, sequences: list[TokenSequence], config: TrainConfig,
          on_step: Callable[[int, int, float], None] | None = None,
          max_steps: int | None = None) -> list[dict[str, float]]:
    """AdamW with linear warm-up and cosine decay; returns the loss per step."""
    import torch

    groups = batches(sequences, config.max_batch_tokens)
    rng = random.Random(config.seed)
    n_steps = max(1, round(len(groups) * config.epochs))
    if max_steps is not None:
        n_steps = min(n_steps, max_steps)
    plan = []
    while len(plan) < n_steps:
        epoch = list(groups)
        rng.shuffle(epoch)
        plan += epoch
    plan = plan[:n_steps]
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.0)

    def rate(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        progress = (step - config.warmup_steps) / max(1, n_steps - config.warmup_steps)
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, rate)
    model.train()
    history = []
    t0 = time.perf_counter()
    for step, group in enumerate(plan):
        loss_sum, n = answer_loss(model, [sequences[i] for i in group], config.bf16)
        loss = loss_sum / n
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        scheduler.step()
        history.append({"step": step, "loss": loss.item(), "tokens": n,
                        "seconds": time.perf_counter() - t0})
        if on_step is not None:
            on_step(step, n_steps, history[-1]["loss"])
    model.eval()
    return history
