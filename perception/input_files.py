"""Reading a file a person hands the robot (a task file, a camera's calibration, a colour
file, a run directory for its report) without letting it take the machine: a regular file of at
most `max_bytes`, read no further than that (not a directory, a device such as /dev/zero, a
pipe, a symlink loop), UTF-8; for YAML one document, no aliases, no deeper than `max_depth`,
only YAML's own scalar tags.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader where PyYAML was built with it (about 10x faster), else the pure-Python one
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STANDARD_TAG = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(_STANDARD_TAG + name for name in (
    "str", "int", "float", "bool", "null", "timestamp", "binary"))
_NOTHING = object()


class InputFileError(ValueError):
    """What is wrong with an input file, in one line, without its path (the caller names it)."""


def load_yaml_file(path: str | Path, kind: str, max_bytes: int, max_depth: int) -> Any:
    """The document in `path` (`kind` names the file in messages: "a task file"), or
    InputFileError."""
    try:
        return read_yaml(read_text(path, max_bytes), kind, max_depth)
    except yaml.YAMLError as error:
        raise InputFileError(f"YAML error: {' '.join(str(error).split())}") from error


def read_text(path: str | Path, max_bytes: int) -> str:
    """The UTF-8 text of the regular file `path` (see read_bytes), or InputFileError."""
    data = read_bytes(path, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(f"not UTF-8 text ({error.reason} at byte {error.start})"
                             ) from error


def read_bytes(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of the regular file `path`, or InputFileError: no such file, not a regular
    file, larger than `max_bytes` (checked while reading, for a file that grows), not
    readable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a pipe must not block the open
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):  # a directory fails in fdopen: "Is a directory"
                raise InputFileError("not a regular file")
            too_large = info.st_size > max_bytes
            data = b"" if too_large else file.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputFileError("no such file") from None
    except OSError as error:  # a directory, a symlink loop, no permission
        raise InputFileError(f"cannot read: {error.strerror or error}") from error
    if too_large or len(data) > max_bytes:
        raise InputFileError(f"larger than {max_bytes:,} bytes, more than such a file needs")
    return data


def read_yaml(text: str, kind: str = "this file", max_depth: int = 8) -> Any:
    """The document, built straight from the (C, where present) parser's events, in one pass.

    Refused before anything grows: aliases (`*name`, and so merge keys), the way a few hundred
    bytes expand to gigabytes ("billion laughs"); nesting deeper than `max_depth`; tags other
    than YAML's own scalars. Plain scalars resolve as PyYAML's safe loader resolves them (YAML
    1.1: `on` is true), each distinct one once.
    """
    build = _DocumentBuilder(kind, max_depth)
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            build.add(event)
    except ValueError as error:
        raise InputFileError(str(error)) from None
    return build.root


class _DocumentBuilder:
    """Python values from YAML events: lists, dicts and safe scalars."""

    def __init__(self, kind: str, max_depth: int) -> None:
        self.kind, self.max_depth = kind, max_depth
        self.root: Any = None
        self._documents = 0
        self._open: list[list[Any] | dict[Any, Any]] = []
        self._keys: list[Any] = []  # per open container: a mapping key awaiting its value
        self._resolver = yaml.resolver.Resolver()
        self._constructor = yaml.constructor.SafeConstructor()
        self._scalars: dict[tuple[Any, ...], Any] = {}

    def add(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):
            self._place(self._scalar(event), event)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            kind = "seq" if isinstance(event, yaml.SequenceStartEvent) else "map"
            if event.tag not in (None, "!", _STANDARD_TAG + kind):
                raise ValueError(f"{_line(event)}: the tag {event.tag} is not allowed")
            if len(self._open) >= self.max_depth:
                raise ValueError(f"{_line(event)}: nested more than {self.max_depth} levels "
                                 "deep")
            container: list[Any] | dict[Any, Any] = [] if kind == "seq" else {}
            self._place(container, event)
            self._open.append(container)
            self._keys.append(_NOTHING)
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            self._open.pop()
            self._keys.pop()
        elif isinstance(event, yaml.AliasEvent):
            raise ValueError(f"{_line(event)}: YAML aliases (*{event.anchor}) are not allowed "
                             f"in {self.kind}; write the value out in full")
        elif isinstance(event, yaml.DocumentStartEvent):
            self._documents += 1
            if self._documents > 1:
                raise ValueError(f"{_line(event)}: expected one YAML document, found more")

    def _place(self, value: Any, event: yaml.Event) -> None:
        if not self._open:
            self.root = value
            return
        top = self._open[-1]
        if isinstance(top, list):
            top.append(value)
        elif self._keys[-1] is _NOTHING:
            if isinstance(value, list | dict):
                raise ValueError(f"{_line(event)}: a mapping key must be a plain value")
            self._keys[-1] = value
        else:
            top[self._keys[-1]] = value
            self._keys[-1] = _NOTHING

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        key = (event.tag, event.value, event.implicit)
        if key in self._scalars:
            return self._scalars[key]
        tag = event.tag
        if tag is None or tag == "!":
            tag = self._resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STANDARD_TAG + "merge":
            raise ValueError(f"{_line(event)}: merge keys (<<) are not allowed in {self.kind}")
        if tag not in SCALAR_TAGS:
            raise ValueError(f"{_line(event)}: the tag {tag} is not allowed")
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        value = self._constructor.yaml_constructors[tag](self._constructor, node)
        self._scalars[key] = value
        return value


def _line(event: yaml.Event) -> str:
    return f"line {event.start_mark.line + 1}" if event.start_mark else "somewhere"
