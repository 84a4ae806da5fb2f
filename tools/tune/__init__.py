"""Teaching the embedded model to plan: demonstrations from the task families, LoRA tuning,
export as a GGUF adapter (`stackbot-tune`; torch, transformers and peft from `stackbot[tune]`)."""
