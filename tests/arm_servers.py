"""Test helpers: the real `stackbot-arm-server` console script on 127.0.0.1 (port 0)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ARM_SERVER = shutil.which("stackbot-arm-server") or str(
    Path(sys.executable).with_name("stackbot-arm-server"))
TOKEN = "test-token-7f3a"  # only ever in the environment of the processes started here


@contextmanager
def arm_server(*overrides: str, cwd: Path | None = None) -> Iterator[int]:
    """Start the server with `overrides`; yield its port; stop it."""
    env = {**os.environ, "STACKBOT_ARM_TOKEN": TOKEN}
    log = tempfile.TemporaryFile("w+")  # a pipe nobody reads could fill and block the server
    proc = subprocess.Popen([ARM_SERVER, "server.port=0", *overrides], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline() if proc.stdout else ""
            found = re.search(r":(\d+)", line)
            if line.startswith("stackbot-arm-server:") and found:
                yield int(found.group(1))
                break
        else:
            log.seek(0)
            raise RuntimeError(f"the arm server did not start: {line!r} {log.read()[-2000:]}")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
