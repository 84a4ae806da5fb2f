"""Seconds to read and check a large task file: `python -m tools.timing.task_file [N]`.

Writes N tasks (default 10,000; two blocks, two bowls, two goal predicates each, as in the
example in docs/benchmark.md) to a temporary file and times `load_task_file` on it, its YAML
reading and its checks alone, and, for comparison, PyYAML's own safe loaders on the same text.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

from perception.input_files import read_yaml
from sim.tasks import task_file
from sim.tasks.task_file import load_task_file

TASK = """\
- id: task-{i}
  instruction: put the blocks in the bowls with matching colors
  scene: {{blocks: [red, green], bowls: [green, red], seed: {i}}}
  goal:
    - in: [red block, red bowl]
    - in: [green block, green bowl]
"""


def main(n: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tasks.yaml"
        path.write_text("".join(TASK.format(i=i) for i in range(n)), encoding="utf-8")
        text = path.read_text(encoding="utf-8")
        seconds = {}
        t0 = time.perf_counter()
        tasks = load_task_file(path)
        seconds["load_task_file"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        raw = read_yaml(text)
        seconds["of which read_yaml"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for entry in raw:
            task_file.parse_task(entry)
        seconds["of which the checks"] = time.perf_counter() - t0
        for loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", None)):
            if loader is not None:
                t0 = time.perf_counter()
                yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
                seconds[f"for comparison yaml.load({loader.__name__})"] = time.perf_counter() - t0
    print(f"{len(tasks)} tasks, {len(text) / 1e6:.2f} MB")
    for what, value in seconds.items():
        print(f"  {what}: {value:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
