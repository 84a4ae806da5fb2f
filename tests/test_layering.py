"""The house rules of docs/ARCHITECTURE.md, checked on the source: each package imports only the
packages below it (counting function-local and TYPE_CHECKING imports), the records see the agent's
record types but not its loop, no module imports itself around a circle, no package holds more
than 30% of the code; and two imports that must not happen at run time."""

from __future__ import annotations

import ast
import graphlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Package -> the packages it may import (docs/ARCHITECTURE.md, "Packages").
MAY_IMPORT: dict[str, set[str]] = {
    "perception": set(),
    "drivers": set(),
    "skills": {"perception", "drivers"},
    "planner": {"perception", "drivers", "skills"},
    "sim": {"perception", "drivers", "skills"},
    "remote": {"perception", "drivers", "skills", "sim"},
    "faults": {"perception", "drivers", "skills", "sim"},
    "agent": {"perception", "drivers", "skills", "planner", "sim", "remote", "faults"},
    "records": {"perception", "drivers", "skills", "planner", "sim", "agent"},
    "tools": {"perception", "drivers", "skills", "planner", "sim", "remote", "faults", "agent",
              "records"},
    "stackbot": {"perception", "drivers", "skills", "planner", "sim", "remote", "faults",
                 "agent", "records", "tools"},
    "stackbot_gym": {"perception", "drivers", "skills", "planner", "sim", "remote", "faults",
                     "agent", "records", "tools", "stackbot"},
}
# Narrower rules inside an allowed arrow: which modules of the importing package may import, and
# which modules of the imported package they may import (None: any).
NARROWER: dict[tuple[str, str], tuple[set[str] | None, set[str] | None]] = {
    ("records", "agent"): (None, {"agent.types"}),  # the record types, never the loop
    ("drivers", "sim"): ({"remote.world_service"}, None),  # the simulator's side of the server
}

def project_modules() -> dict[str, Path]:
    found = {}
    for package in MAY_IMPORT:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules `name` imports anywhere in its source (function bodies included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


KNOWN = project_modules()
GRAPH = {name: imported(name, path, KNOWN) for name, path in KNOWN.items()}


def test_each_package_imports_only_the_packages_below_it() -> None:
    wrong = []
    for name, targets in GRAPH.items():
        source = name.split(".")[0]
        for target in targets:
            dest = target.split(".")[0]
            if dest == source:
                continue
            importers, allowed = NARROWER.get((source, dest), (None, None))
            if dest not in MAY_IMPORT[source] \
                    or (importers is not None and name not in importers) \
                    or (allowed is not None and target not in allowed):
                wrong.append(f"{name} -> {target}")
    assert not wrong, "imports against docs/ARCHITECTURE.md:\n" + "\n".join(sorted(wrong))


def test_no_import_circles() -> None:
    try:
        tuple(graphlib.TopologicalSorter(GRAPH).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"an import circle: {' -> '.join(error.args[1])}")


def test_no_package_holds_more_than_30_percent_of_the_code() -> None:
    lines = {package: sum(len(p.read_text().splitlines()) for p in (ROOT / package).rglob("*.py"))
             for package in MAY_IMPORT}
    total = sum(lines.values())
    heavy = {p: f"{n / total:.0%}" for p, n in lines.items() if n > 0.3 * total}
    assert not heavy, f"packages over 30% of {total} lines: {heavy}"


def test_the_layering_rules_know_every_package() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "conf"}
    assert packages == set(MAY_IMPORT)


def modules_after_import(module: str) -> set[str]:
    """The modules a fresh interpreter holds after importing `module` alone."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


@pytest.mark.parametrize("module", ["remote.client", "drivers.guard", "drivers.xarm",
                                    "drivers.ur", "drivers.example_driver",
                                    "remote.server"])
def test_arm_clients_and_drivers_need_no_simulator(module: str) -> None:
    loaded = modules_after_import(module)
    assert "pybullet" not in loaded
    assert not {m for m in loaded if m == "sim" or m.startswith("sim.")}


def test_the_prompt_cache_does_not_import_the_model_backend() -> None:
    assert "planner.llama_backend" not in modules_after_import("planner.prompt_cache")
