"""The command line before Hydra sees it: every console script's overrides checked in one place.

Hydra reports a bad override in several lines (or a traceback) and exits 1. Here each problem is
one UsageError line (the console script prints it and exits 2), before anything is loaded:

- free text (`instruction=...`) is quoted for Hydra's override grammar, so commas, newlines,
  quotes and non-ASCII characters need no care; words the shell split off an unquoted
  instruction are joined back;
- an override that does not parse, a config-group option that does not exist, a key that is
  not in the config, a value of the wrong type (`camera.height=abc`) or not among a key's
  choices (`planner.search=foo`);
- a run directory that cannot be written, or whose filesystem is (nearly) full;
- a trace exporter, recording or dataset (`telemetry=`, `record.rerun=`, `export.lerobot=`)
  whose extra is not installed, or a dataset directory that is not new or empty, or not
  writable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FREE_TEXT_KEYS = ("instruction",)
MULTIRUN_FLAGS = ("-m", "--multirun")
DEFAULT_MIN_FREE_MB = 1.0  # for configs without `min_free_mb`


class UsageError(ValueError):
    """Bad input from the person at the command line; printed as one line, exit status 2."""


def prepare(argv: list[str], config_name: str) -> list[str]:
    """The arguments to hand Hydra (free text quoted), after checking them; UsageError else."""
    args = join_split_free_text(argv)
    args = [quote_free_text(arg) for arg in args]
    if any(arg.startswith("-") and arg not in MULTIRUN_FLAGS for arg in args):
        return args  # --help, --cfg job, -c ...: Hydra's own modes (some take values), for Hydra
    multirun = any(arg in MULTIRUN_FLAGS for arg in args)
    overrides = [arg for arg in args if arg not in MULTIRUN_FLAGS]
    parsed = parse(overrides, multirun)
    check_group_choices(parsed)
    cfg = compose(config_name, overrides)
    check_value_types(config_name, parsed)
    check_choices(cfg)
    check_optional_extras(cfg)
    check_run_directory(cfg, multirun)
    return args


def join_split_free_text(argv: list[str]) -> list[str]:
    """`instruction=put the red block ...` unquoted reaches us as several words: the words that
    follow a free-text override and are no override themselves belong to it."""
    out: list[str] = []
    joining = False
    for arg in argv:
        if joining and "=" not in arg and not arg.startswith("-"):
            out[-1] = f"{out[-1]} {arg}"
            continue
        joining = _key(arg) in FREE_TEXT_KEYS
        out.append(arg)
    return out


def quote_free_text(arg: str) -> str:
    """`instruction=a, b` -> `instruction='a, b'`, escaped for Hydra's quoted-value grammar
    (a value already quoted as a whole is left alone)."""
    if _key(arg) not in FREE_TEXT_KEYS:
        return arg
    key, value = arg.split("=", 1)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return arg
    return f"{key}={hydra_quote(value)}"


def hydra_quote(text: str) -> str:
    """`text` as a single-quoted Hydra value that parses back to exactly `text`: a quote and
    `${` are escaped, and so is every backslash that precedes one (or ends the value)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\":
            j = i
            while j < len(text) and text[j] == "\\":
                j += 1
            run = j - i
            special = j == len(text) or text[j] == "'" or text.startswith("${", j)
            out.append("\\" * (2 * run if special else run))
            i = j
        elif text[i] == "'":
            out.append("\\'")
            i += 1
        elif text.startswith("${", i):
            out.append("\\${")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "'" + "".join(out) + "'"


def parse(overrides: list[str], multirun: bool) -> list[Any]:
    """Hydra's parse of each override; UsageError naming the first one that does not parse."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            override = parser.parse_override(text)
        except HydraException as error:
            raise UsageError(f"cannot read {_short(text)}: {_reason(error)} (quote the value: "
                             "key='...')") from error
        if override.is_sweep_override() and not multirun:
            raise UsageError(f"{_short(text)}: a comma makes a sweep; quote the value "
                             f"({override.key_or_group}='...') or add --multirun to sweep")
        parsed.append(override)
    return parsed


def check_group_choices(parsed: Iterable[Any]) -> None:
    """Reject `group=value` where the group has no such option."""
    groups = config_groups()
    for override in parsed:
        key = override.key_or_group
        if key not in groups or override.is_delete():
            continue
        value = override.value()  # a list for groups that take several (skills=[a,b])
        choices = override.sweep_string_iterator() if override.is_sweep_override() else (
            [str(v) for v in value] if isinstance(value, list)
            else [override.get_value_element_as_str()])
        for choice in choices:
            if choice.strip() and choice.strip() not in groups[key]:
                raise UsageError(f"unknown {key} '{choice}' ({did_you_mean(choice, groups[key])}"
                                 f"choose from: {', '.join(groups[key])})")


def config_groups() -> dict[str, list[str]]:
    """The config groups under conf/ and the options each offers."""
    from importlib.resources import files

    groups: dict[str, list[str]] = {}
    for entry in files("conf").iterdir():
        if entry.is_dir() and not entry.name.startswith("_"):
            groups[entry.name] = sorted(
                Path(child.name).stem for child in entry.iterdir() if child.name.endswith(".yaml")
            )
    return groups


def compose(config_name: str, overrides: list[str]) -> Any:
    """The config as Hydra will build it (with its `hydra` node); UsageError if it cannot."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from agent.config import compose_config

    try:
        return compose_config(overrides, config_name, with_hydra=True)
    except (HydraException, OmegaConfBaseException) as error:
        message = _composition_message(error)
        prefix = "unknown key '"
        if message.startswith(prefix):
            key = message[len(prefix):].split("'")[0]
            choices = [o for o in overrides if _key(o) in config_groups()]
            hint = did_you_mean(key, config_keys(config_name, choices))
            message = message.replace(" (", f" ({hint}", 1)
        raise UsageError(message) from error


def config_keys(config_name: str, choices: list[str]) -> list[str]:
    """Every key of the config (dotted) with these group choices."""
    from omegaconf import OmegaConf

    def walk(tree: Any, prefix: str) -> Iterable[str]:
        for key, value in tree.items():
            dotted = f"{prefix}{key}"
            yield dotted
            if isinstance(value, dict):
                yield from walk(value, f"{dotted}.")

    tree = OmegaConf.to_container(compose(config_name, choices), resolve=False)
    return [key for key in walk(tree, "") if not key.startswith("hydra")]


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """"did you mean `x`? " for the nearest known spelling, or "" when none is near."""
    import difflib

    depth = word.count(".")  # a key is compared with keys as deep as it
    near = difflib.get_close_matches(word, [k for k in known if k.count(".") == depth], n=1,
                                     cutoff=0.75)
    return f"did you mean {near[0]}? " if near else ""


def check_value_types(config_name: str, parsed: list[Any]) -> None:
    """A value override of a number or a boolean must be one: compared with the config composed
    with the group choices only (so each key has its default there)."""
    groups = config_groups()
    choices = [o.input_line for o in parsed if o.key_or_group in groups]
    values = [o for o in parsed if o.key_or_group not in groups and not o.is_delete()
              and not o.is_sweep_override() and o.input_line not in choices]
    if not values:
        return
    from omegaconf import OmegaConf

    defaults = OmegaConf.to_container(compose(config_name, choices), resolve=False)
    for override in values:
        default = _lookup(defaults, override.key_or_group)
        problem = _type_problem(default, override.value())
        if problem:
            raise UsageError(f"{override.key_or_group} must be {problem}, got "
                             f"{_short(override.get_value_element_as_str())}")


def check_choices(cfg: Any) -> None:
    """A key that takes one of a few words must be one of them (`planner.search=foo`), a
    threshold a number in its range (`planner.min_confidence`)."""
    from omegaconf import OmegaConf

    from planner.ranking import NORMALISATIONS
    from planner.saycan import check_min_confidence
    from planner.search import SEARCHES

    for key, choices in (("planner.search", SEARCHES), ("planner.normalisation", NORMALISATIONS)):
        value = OmegaConf.select(cfg, key, default=None)
        if value is not None and str(value) not in choices:
            raise UsageError(f"{key} must be one of {', '.join(choices)}, got "
                             f"{_short(str(value))}")
    planner = OmegaConf.select(cfg, "planner", default=None)
    if planner is not None and "min_confidence" in planner:
        try:
            check_min_confidence(planner.min_confidence)
        except ValueError as error:
            raise UsageError(str(error)) from None


def check_optional_extras(cfg: Any) -> None:
    """A chosen trace exporter or recording whose optional extra is not installed: the line
    saying what to pip install."""
    from records.observers.settings import (
        check_export_directory,
        export_settings,
        missing_extra,
    )

    problem = missing_extra(cfg)
    if problem:
        raise UsageError(problem)
    try:
        directory = export_settings(cfg).lerobot
        if directory is not None:
            check_export_directory(directory)
    except ValueError as error:
        raise UsageError(str(error)) from None


def check_run_directory(cfg: Any, multirun: bool) -> None:
    """Where Hydra will create the run directory must be writable, with space to spare."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.utils import setup_globals
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from records.run_dir import RunDirectoryError, check_writable

    setup_globals()  # Hydra's `now` resolver
    HydraConfig.instance().set_config(cfg)
    try:
        directory = OmegaConf.select(cfg, "hydra.sweep.dir" if multirun else "hydra.run.dir")
    except OmegaConfBaseException:
        return  # a directory Hydra cannot name either: left to Hydra
    min_free_mb = float(cfg.get("min_free_mb", DEFAULT_MIN_FREE_MB))
    try:
        check_writable(Path(str(directory)), int(min_free_mb * 2**20))
    except RunDirectoryError as error:
        raise UsageError(str(error)) from error


def _type_problem(default: Any, value: Any) -> str | None:
    """What `value` should be to replace `default`, or None when it fits."""
    if isinstance(value, str) and "${" in value:
        return None  # an interpolation: resolved later
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, int):
        return None if isinstance(value, int) and not isinstance(value, bool) else "an integer"
    if isinstance(default, float):
        fits = isinstance(value, int | float) and not isinstance(value, bool)
        return None if fits and math.isfinite(value) else "a number"
    return None


def _lookup(tree: Any, dotted: str) -> Any:
    """The value at `a.b.c` in nested dicts (unresolved), or None."""
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def _composition_message(error: BaseException) -> str:
    text = str(error)
    if "is not in struct" in text or "Could not override" in text or "Could not append" in text:
        key = text.split("'")[1] if "'" in text else text
        if "Could not append" in text:
            return f"{key} is already in the config: write {key}=... without the +"
        return f"unknown key '{key}' (a new key needs a +: +{key}=...)"
    return _reason(error)


def _reason(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("See https://hydra.cc")]
    return "; ".join(lines[:2]) or type(error).__name__


def _key(arg: str) -> str:
    return arg.split("=", 1)[0].lstrip("+~") if "=" in arg else ""


def _short(text: str, limit: int = 80) -> str:
    text = repr(text)
    return text if len(text) <= limit else text[: limit - 4] + "...'"
