"""Write a PEFT LoRA as a llama.cpp GGUF adapter (the layout of llama.cpp's own converter:
`blk.N.attn_q.weight.lora_a` / `.lora_b`, as PEFT stores them, f16), with the facts the planner
needs: the base model it was made for and the prompt form it was trained on."""

from __future__ import annotations

import os
import re
from typing import Any

GGUF_NAMES = {
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
_PEFT_NAME = re.compile(r"layers\.(\d+)\.(.+)\.lora_([AB])\.default\.weight$")

# GGUF metadata keys of stackbot's own (llama.cpp ignores them)
BASE_MODEL_KEY = "stackbot.base_model"
BASE_SIZE_KEY = "stackbot.base_model_bytes"
PROMPT_KEY = "stackbot.prompt"


def gguf_tensor_name(peft_name: str) -> str | None:
    match = _PEFT_NAME.search(peft_name)
    if match is None or match.group(2) not in GGUF_NAMES:
        return None
    layer, module, ab = match.groups()
    return f"blk.{layer}.{GGUF_NAMES[module]}.weight.lora_{ab.lower()}"


def export_adapter(model: Any, path: str, base_model_path: str, alpha: float,
                   prompt: str, architecture: str = "gemma3") -> int:
    """Write the adapter; returns the number of tensors. Written to a temporary file first."""
    import gguf
    import numpy as np

    tmp = f"{path}.part"
    writer = gguf.GGUFWriter(tmp, arch=architecture)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    writer.add_string(BASE_MODEL_KEY, os.path.basename(base_model_path))
    writer.add_uint64(BASE_SIZE_KEY, os.path.getsize(base_model_path))
    writer.add_string(PROMPT_KEY, prompt)
    count = 0
    for name, param in model.named_parameters():
        target = gguf_tensor_name(name)
        if target is None:
            continue
        writer.add_tensor(target, param.detach().float().numpy().astype(np.float16))
        count += 1
    if count == 0:
        raise ValueError("the model holds no LoRA weights to export")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, path)
    return count
