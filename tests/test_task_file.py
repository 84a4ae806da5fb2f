"""User task files: a good file loads; each kind of malformed file is rejected with the file, the
task id and what is wrong, before anything runs (the console script exits 2 with one line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.tasks import task_file
from sim.tasks.task_file import TaskFileError, load_task_file
from skills.goals import AllAt, At, Corners, In, Line, Stacked

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
    assert [t.family for t in tasks] == ["my-task-1", "tower"]
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
    ("blue", "line", "horizontal, red block, pink block", "'pink block' is not in the scene"),
    ("blue", "line", "horizontal, red block", "a horizontal line needs at least two blocks"),
    ("blue", "line", "wavy, red block, green block", "unknown line 'wavy'"),
    ("blue", "corners", "red block, green block, blue block, pink block, gray block",
     "5 blocks cannot stand at different corners"),
    ("blue", "corners", "red block, green block, red bowl", "'red bowl' should be a block"),
    ("blue", "all_at", "far corner, red block", "unknown location 'far corner'"),
    ("blue", "all_at", "top side, red block, pink block", "'pink block' is not in the scene"),
    ("blue", "at", "red block, a little to the up of the blue bowl", "unknown direction 'up'"),
    ("blue", "at", "red block, a bit to the left of the blue bowl", "unknown magnitude 'a bit'"),
    ("blue", "at", "red block, a lot to the left of the gray bowl",
     "'gray bowl' is not in the scene"),
    ("blue", "at", "red block, where the pink block started", "'pink block' is not in the scene"),
    ("blue", "at", "red block, spot 1 of the horizontal line", "unknown location"),
])
def test_malformed_task_is_rejected(tmp_path: Path, bowl: str, predicate: str, args: str,
                                    message: str) -> None:
    text = GOOD + TASK.format(task_id="bad-one", bowl=bowl, predicate=predicate, args=args)
    path = write(tmp_path, text)
    with pytest.raises(TaskFileError) as caught:
        load_task_file(path)
    assert str(caught.value).startswith(f"{path}: task 'bad-one': ")
    assert message in str(caught.value)


def test_the_new_predicates_load(tmp_path: Path) -> None:
    """Lines, corners, all at a location and places beside an object or at a start."""
    goals = {"line": "diagonal, red block, green block", "corners": "red block, green block",
             "all_at": "top side, red block, green block",
             "at": "red block, a lot to the right of the blue bowl"}
    text = "".join(TASK.format(task_id=f"t-{name}", bowl="blue", predicate=name, args=args)
                   for name, args in goals.items())
    text += TASK.format(task_id="t-start", bowl="blue", predicate="at",
                        args="red block, where the green block started")
    tasks = load_task_file(write(tmp_path, text))
    assert tasks[0].goal == (Line("diagonal", ("red block", "green block")),)
    assert tasks[1].goal == (Corners(("red block", "green block")),)
    assert tasks[2].goal == (AllAt("top side", ("red block", "green block")),)
    assert tasks[3].goal == (At("red block", "a lot to the right of the blue bowl"),)
    assert tasks[4].goal == (At("red block", "where the green block started"),)


def test_waypoints_load_and_are_checked_like_the_goal(tmp_path: Path) -> None:
    text = ("- id: back\n  instruction: put the red block in the blue bowl, then put it back\n"
            "  scene: {blocks: [red], bowls: [blue]}\n"
            "  waypoints:\n    - in: [red block, blue bowl]\n"
            "  goal:\n    - at: [red block, where the red block started]\n")
    (task,) = load_task_file(write(tmp_path, text))
    assert task.waypoints == (In("red block", "blue bowl"),)
    assert task.goal == (At("red block", "where the red block started"),)
    for bad, message in (("in: [red block, gray bowl]", "gray bowl"), ("{}", "predicate")):
        with pytest.raises(TaskFileError, match=message):
            load_task_file(write(tmp_path, text.replace("in: [red block, blue bowl]", bad)))
    with pytest.raises(TaskFileError, match="waypoints must be a list"):
        load_task_file(write(tmp_path, text.replace(
            "  waypoints:\n    - in: [red block, blue bowl]", "  waypoints: 3")))


def test_blocks_may_start_in_a_bowl_or_on_a_block(tmp_path: Path) -> None:
    text = ("- id: empty\n  instruction: empty the blue bowl\n  scene: {blocks: [red, green], "
            "bowls: [blue], start_on: [[red block, blue bowl], [green block, red block]]}\n"
            "  goal:\n    - not_in: [red block, blue bowl]\n")
    (task,) = load_task_file(write(tmp_path, text))
    assert task.scene.start_on == (("red block", "blue bowl"), ("green block", "red block"))
    for bad, message in (("[[red block, gray bowl]]", "start_on"), ("[red block]", "pairs")):
        with pytest.raises(TaskFileError, match=message):
            load_task_file(write(tmp_path, text.replace(
                "[[red block, blue bowl], [green block, red block]]", bad)))


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
        [sys.executable, "-m", "stackbot.bench", f"tasks={path}",
         f"results={tmp_path / 'r.jsonl'}", "label=x"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}: task 't1': in: 'gray bowl' is not in the scene" in lines[0]
    assert not (tmp_path / "r.jsonl").exists()


def test_console_script_rejects_an_impossible_line_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, TASK.format(task_id="t2", bowl="blue", predicate="line",
                                       args="vertical, red block"))
    done = subprocess.run(
        [sys.executable, "-m", "stackbot.bench", f"tasks={path}",
         f"results={tmp_path / 'r.jsonl'}", "label=x"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(
        f"{path}: task 't2': a vertical line needs at least two blocks, got ['red block']")
    assert not (tmp_path / "r.jsonl").exists()


# The "billion laughs": each level names the one before ten times; nine levels are 10^9 strings.
LAUGHS = ("- id: laughs\n  instruction: x\n  scene: {blocks: [red]}\n  goal:\n"
          "    - a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
              f"      {name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n"
              for prev, name in zip("abcdefgh", "bcdefghi", strict=True)))


def test_nested_aliases_are_refused_before_they_expand(tmp_path: Path) -> None:
    """588 bytes of aliases took 30 s and 4 GB (and printed them): now one line, at once. Run
    in a child process with 1 GB of address space, so the old behaviour fails instead of
    exhausting the machine."""
    path = write(tmp_path, LAUGHS)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30)); "
            "from sim.tasks.task_file import TaskFileError, load_task_file\n"
            "try: load_task_file(sys.argv[1])\n"
            "except TaskFileError as error: print(error)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == (f"{path}: line 6: YAML aliases (*a) are not allowed in a task "
                                   "file; write the value out in full")


ALIAS = r"YAML aliases \(\*\w+\) are not allowed"


@pytest.mark.parametrize(("text", "message"), [
    ("- &task {id: t1, instruction: x, scene: {blocks: [red]}, goal: [{unmoved: [red block]}]}\n"
     "- *task\n", f"line 2: {ALIAS}"),
    ("- id: t1\n  instruction: x\n  scene: &s {blocks: [red]}\n  goal: [{unmoved: [red block]}]\n"
     "- id: t2\n  instruction: x\n  scene: {<<: *s}\n  goal: [{unmoved: [red block]}]\n",
     r"line 7: merge keys \(<<\) are not allowed"),
    ("- &loop [*loop]\n", f"line 1: {ALIAS}"),
])
def test_any_alias_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TaskFileError, match=f"^{path}: {message}"):
        load_task_file(path)


def test_deep_nesting_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[" * 20 + "]" * 20)
    with pytest.raises(TaskFileError, match="nested more than 8 levels deep") as caught:
        load_task_file(path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("seed", "shown"), [
    (".inf", "inf"), ("-5", "-5"), ("3.5", "3.5"), ("'3'", "'3'"), ("true", "True"),
    (".nan", "nan"),
])
def test_seed_must_be_a_non_negative_integer(tmp_path: Path, seed: str, shown: str) -> None:
    path = write(tmp_path, f"- id: t1\n  instruction: x\n  scene: {{blocks: [red], seed: {seed}}}"
                           "\n  goal: [{unmoved: [red block]}]\n")
    with pytest.raises(TaskFileError) as caught:
        load_task_file(path)
    assert str(caught.value) == (f"{path}: task 't1': seed must be a non-negative integer, got "
                                 f"{shown}")


def test_a_large_seed_and_yaml_1_1_scalars_still_load(tmp_path: Path) -> None:
    path = write(tmp_path, "- id: 7\n  instruction: x\n  scene: {blocks: [red, green], seed: "
                           "123456789012}\n  goal:\n    - on: [green block, red block]\n")
    (task,) = load_task_file(path)
    assert task.family == "7" and task.seed == 123456789012
    assert task.goal[0].top == "green block"  # a bare `on:` key is YAML 1.1's true


def test_the_c_loader_is_used_where_pyyaml_has_it() -> None:
    import yaml

    from perception import input_files

    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert input_files.SAFE_LOADER is expected


def test_the_benchmark_reads_a_task_file_once(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The console script checked the file, then the benchmark read it again (twice the
    time for a large file): now the tasks checked are the tasks run."""
    import stackbot.bench as bench_cli
    import tools.bench.benchmark as bench_run
    import tools.bench.suite as bench_suite

    reads: list[str] = []

    def counted(path: str | Path) -> list[object]:
        reads.append(str(path))
        return load_task_file(path)

    def stop_before_any_episode(config: object) -> None:
        raise KeyboardInterrupt

    for module in (bench_cli, bench_suite):
        monkeypatch.setattr(module, "load_task_file", counted)
    monkeypatch.setattr(bench_run, "preflight", stop_before_any_episode)
    path = write(tmp_path, GOOD)
    monkeypatch.setattr(sys, "argv", ["stackbot-bench", f"tasks={path}", "planner=scripted",
                                      "perception=oracle", f"results={tmp_path / 'r.jsonl'}",
                                      f"hydra.run.dir={tmp_path / 'run'}", "progress=false"])
    with pytest.raises(SystemExit) as stopped:
        bench_cli.main()
    assert stopped.value.code == 130
    assert reads == [str(path)]


def _special_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.yaml"
    if kind == "dev-zero-link":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:  # a sparse file one byte over the cap
        with path.open("wb") as file:
            file.truncate(task_file.MAX_BYTES + 1)
    return path


@pytest.mark.parametrize(("kind", "message"), [
    ("dev-zero-link", "not a regular file"), ("directory", "cannot read: Is a directory"),
    ("fifo", "not a regular file"), ("over-the-cap", "larger than 67,108,864 bytes")])
def test_a_task_file_is_a_regular_file_of_bounded_size(tmp_path: Path, kind: str,
                                                       message: str) -> None:
    """`tasks=` a link to /dev/zero grew to 6.6 GB in 19 s: now one line, at once. In a child
    process with 1 GB of address space, so the old behaviour fails instead of exhausting the
    machine (and a FIFO nobody writes would block it: the timeout)."""
    path = _special_file(tmp_path, kind)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30)); "
            "from sim.tasks.task_file import TaskFileError, load_task_file\n"
            "try: load_task_file(sys.argv[1])\n"
            "except TaskFileError as error: print(error)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().startswith(f"{path}: {message}"), done.stdout


def test_the_benchmark_refuses_a_task_file_linked_to_dev_zero(tmp_path: Path) -> None:
    path = _special_file(tmp_path, "dev-zero-link")
    done = subprocess.run(
        [sys.executable, "-m", "stackbot.bench", f"tasks={path}",
         f"results={tmp_path / 'r.jsonl'}", "label=x"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}: not a regular file" in lines[0], lines
    assert not (tmp_path / "r.jsonl").exists()
