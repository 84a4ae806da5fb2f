"""A benchmark run: build the suite, skip what the results file holds, run the rest on the
configured runner with a progress bar, then summarise, write the table and the chart."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from agent.fault_config import register_fault_label
from agent.session import build, open_session
from records.bench_stats import bar_chart, by_family, markdown_table, summary_lines
from records.calibration import reliability, reliability_lines, results_pairs
from records.cap_table import cap_markdown, cap_rows
from records.observers.config import build_dataset_writer
from records.report.bench_page import Configuration, write_bench_report
from records.results import ResultsFile
from records.run_dir import write_text
from sim.tasks.task import Task
from tools.bench.suite import build_suite
from tools.bench.traces import EpisodeTraces

log = logging.getLogger(__name__)


def worker_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config a worker builds its session from (no Hydra interpolations left), with
    where its episodes' traces go (an absolute path: workers may run elsewhere)."""
    config = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(config, dict)
    config.pop("hydra", None)
    if cfg.get("traces", False):
        directory = Path(str(cfg.results)).resolve().with_suffix("")
        config["episode_traces"] = {"directory": str(directory),
                                    "pictures": str(cfg.get("episode_pictures", "failures"))}
    return config


def preflight(config: dict[str, Any]) -> None:
    """Build one session from a worker's config and close it: a configuration error (a model file
    that is not there, an arm that cannot be reached) stops the run before any episode is
    recorded as failed under it."""
    cfg = OmegaConf.create(config)
    session = open_session(cfg)
    try:
        with session.driver:
            pass
    finally:
        session.close()


def run_benchmark(cfg: DictConfig, suite: list[Task] | None = None) -> list[dict[str, Any]]:
    """Returns the results of every episode of the suite (recorded before or now); `suite`:
    the tasks already built from `cfg.tasks` (a task file read once), else built here."""
    register_fault_label()  # the default label names the faults
    if suite is None:
        tasks = list(cfg.tasks) if OmegaConf.is_list(cfg.tasks) else str(cfg.tasks)
        suite = build_suite(tasks, int(cfg.episodes), int(cfg.first_seed),
                            str(cfg.get("wordings", "train")))  # type: ignore[arg-type]
    results = ResultsFile(cfg.results)
    recorded = results.load()
    pending = [task for task in suite if task.key not in recorded]
    label = str(cfg.label)
    runner = build(cfg.runner)
    config = worker_config(cfg)
    EpisodeTraces.from_config(config.get("episode_traces"))  # a bad setting fails here, once
    dataset = build_dataset_writer(cfg)  # export.lerobot=DIR: new or empty, else it stops here
    if dataset is not None and "episode_traces" not in config:
        raise ValueError("export.lerobot needs traces=true (each episode is sampled in its "
                         "trace directory)")
    if pending:
        preflight(config)
    print(f"{len(suite)} episodes, {len(suite) - len(pending)} already in {results.path}; "
          f"running {len(pending)} with {type(runner).__name__}"
          f"(workers={runner.workers}) as {label}", flush=True)
    bar = tqdm(total=len(pending), unit="ep", disable=not cfg.progress, dynamic_ncols=True)
    counts = {"n": 0, "plan": 0, "execution": 0}

    def on_result(record: dict[str, Any]) -> None:
        record["label"] = label
        results.append(record)
        recorded[record["key"]] = record
        counts["n"] += 1
        counts["plan"] += bool(record["plan_success"])
        counts["execution"] += bool(record["execution_success"])
        bar.set_postfix(plan=f"{100 * counts['plan'] / counts['n']:.0f}%",
                        execution=f"{100 * counts['execution'] / counts['n']:.0f}%")
        bar.update()
        if dataset is not None and record.get("trace"):
            dataset.add_from(results.path.parent / record["trace"])

    started = time.perf_counter()
    try:
        runner.run(pending, config, on_result)
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    records = [recorded[task.key] for task in suite if task.key in recorded]
    report(records, results.path, label)
    if counts["n"]:
        print(f"throughput: {counts['n']} episodes in {seconds:.1f} s = "
              f"{60 * counts['n'] / seconds:.1f} episodes/min "
              f"(workers={runner.workers})")
    if dataset is not None:
        print(dataset.summary())
    return records


def report(records: list[dict[str, Any]], results_path: Path, label: str) -> None:
    rows = by_family(records)
    table = markdown_table(rows)
    cap = cap_markdown(cap_rows(records))  # Code as Policies' table, when the run holds its kinds
    if cap:
        table += f"\n{cap}"
    table_path = results_path.with_suffix(".md")
    calibration = reliability(results_pairs(records))
    calibration_text = ("\n## Calibration (per step, judged against the goal)\n\n"
                        + "\n".join(reliability_lines(calibration)) + "\n"
                        if calibration.steps else "")
    write_text(table_path, f"# {label}\n\n{table}{calibration_text}")
    chart = bar_chart({label: rows}, results_path.with_suffix(".png"))
    page = write_bench_report([Configuration(label, results_path, tuple(records))],
                              results_path.with_suffix(".html"), chart)
    print(table, end="")
    for line in summary_lines(records):
        print(line)
    print(f"results: {results_path}; table: {table_path}; chart: {chart}; report: {page}")
