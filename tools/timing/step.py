"""Seconds per SayCan planning step with the embedded model: `python -m tools.timing.step`.

Prints, for a 3-object and a 7-object symbolic scene, the option count, the option tokens scored,
and the time of a first step (prompt evaluated from scratch) and a second step (the prompt extends
the cached one by a history line). Timings, not assertions: the machine's load shows up here.
"""

from __future__ import annotations

import argparse
import time

from agent.config import compose_config
from agent.session import build_skills
from planner.llama_backend import LlamaCppModel
from planner.saycan import SayCanPlanner
from skills.options import AffordanceModel, enumerate_options
from tools.timing.scenes import make_scene

SCENES = {
    "3 objects": ("red block", "green block", "blue bowl"),
    "7 objects": ("red block", "green block", "blue block", "yellow block", "blue bowl",
                  "red bowl", "green bowl"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-path", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    t0 = time.perf_counter()
    model = LlamaCppModel(args.model_path, n_threads=args.threads)
    print(f"model {model.name}: loaded in {time.perf_counter() - t0:.2f} s")
    skills = build_skills(compose_config())  # the default config's skills
    planner = SayCanPlanner(model, print_top_k=0, skills=skills)
    command = "put the red block in the blue bowl"
    for label, names in SCENES.items():
        scene = make_scene(*names)
        options = AffordanceModel().afford(enumerate_options(scene, skills), scene, skills=skills)
        for repeat in range(args.repeats):
            model.score("# warm-up.\n", ["done()\n"])  # drop the cached prompt
            for history in ([], [options[0].option]):
                t = time.perf_counter()
                step = planner.next_step(command, scene, options, history)
                seconds = time.perf_counter() - t
                n_tok = sum(s.n_tokens for s in step.scored)
                print(f"{label}: step {len(history) + 1} (run {repeat + 1}) {seconds:.2f} s, "
                      f"{len(options)} options, {n_tok} option tokens scored, "
                      f"prompt {len(model.tokenize(planner.records[-1].prompt, True))} tokens "
                      f"-> {step.option.text}")
    model.close()


if __name__ == "__main__":
    main()
