"""User task files: a good file loads; each kind of malformed file is rejected with the file, the
task id and what is wrong, before anything runs (the console script exits 2 with one line)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.tasks.task_file import TaskFileError, load_task_file
from skills.goals import In, Stacked

GOOD = """\
- id: my-task-1
  instruction: put the blocks in the bowls with matching colors
  scene: {blocks: [red, green], bowls: [green, red], seed: 3}
  goal:
    - in: [red block, red bowl]
    - in: [green block, green bowl]
- id: tower
  instruction: stack the green block on the red block
  scene: {blocks: [red, green]}
  goal:
    - stacked: [red block, green block]
    - unmoved: [red block]
"""

TASK = """\
- id: {task_id}
  instruction: put the red block in the blue bowl
  scene: {{blocks: [red, green], bowls: [{bowl}]}}
  goal:
    - {predicate}: [{args}]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tasks.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads(tmp_path: Path) -> None:
    tasks = load_task_file(write(tmp_path, GOOD))
    assert [t.task_id for t in tasks] == ["my-task-1", "tower"]
    assert tasks[0].goal == (In("red block", "red bowl"), In("green block", "green bowl"))
    assert tasks[0].scene.seed == 3 and tasks[0].key == "my-task-1/3"
    assert tasks[1].goal[0] == Stacked(("red block", "green block"))


@pytest.mark.parametrize(("bowl", "predicate", "args", "message"), [
    ("blue", "inside", "red block, blue bowl", "unknown predicate 'inside'"),
    ("magenta", "in", "red block, blue bowl", "unknown bowl colour 'magenta'"),
    ("blue", "in", "magenta block, blue bowl", "unknown colour in 'magenta block'"),
    ("blue", "in", "red block, gray bowl", "'gray bowl' is not in the scene"),
    ("blue", "on", "red block, blue bowl", "'blue bowl' should be a block"),
    ("blue", "at", "red block, far corner", "unknown location 'far corner'"),
    ("blue", "in", "red block", "takes 2 arguments"),
])
def test_malformed_task_is_rejected(tmp_path: Path, bowl: str, predicate: str, args: str,
                                    message: str) -> None:
    text = GOOD + TASK.format(task_id="bad-one", bowl=bowl, predicate=predicate, args=args)
    path = write(tmp_path, text)
    with pytest.raises(TaskFileError) as caught:
        load_task_file(path)
    assert str(caught.value).startswith(f"{path}: task 'bad-one': ")
    assert message in str(caught.value)


def test_yaml_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "- id: [unclosed\n")
    with pytest.raises(TaskFileError, match=f"^{path}: YAML error: "):
        load_task_file(path)


def test_duplicate_ids_and_missing_fields(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match="task 'tower': duplicate id"):
        load_task_file(write(tmp_path, GOOD + GOOD.split("- id: tower")[1].join(["- id: tower",
                                                                                  ""])))
    with pytest.raises(TaskFileError, match="task 'x': missing instruction"):
        load_task_file(write(tmp_path, "- id: x\n  scene: {blocks: [red]}\n  goal: []\n"))


def test_console_script_rejects_a_bad_file_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, TASK.format(task_id="t1", bowl="blue", predicate="in",
                                       args="red block, gray bowl"))
    done = subprocess.run(
        [sys.executable, "-m", "stackbot.bench.cli", f"tasks={path}",
         f"results={tmp_path / 'r.jsonl'}", "label=x"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}: task 't1': in: 'gray bowl' is not in the scene" in lines[0]
    assert not (tmp_path / "r.jsonl").exists()
