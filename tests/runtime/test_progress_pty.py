"""The bytes a run writes to a real pseudo-terminal: tmux's screen capture drops escape codes, so
only the raw stream can show that `TERM=dumb` and `NO_COLOR` get no cursor movement at all (and
that a capable terminal does get them, so the check can fail)."""
from __future__ import annotations

import fcntl
import os
import pickle
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path
from typing import Dict, List

import pytest

from runtime_support import PYTHON, Workspace

RUNNER = str(Path(__file__).resolve().parent / "runner.py")
SLOW = """
    version: 1
    title: Slow enough to be drawn
    description: d
    steps:
      first: {title: First, run: 'sleep 0.6', estimate: 1s}
      second: {title: Second, run: 'sleep 0.6', needs: [first], estimate: 1s}
"""


def on_a_pty(ws: Workspace, environment: Dict[str, str], width: int = 80) -> bytes:
    """Everything the run writes to a terminal `width` columns wide, as bytes."""
    (ws.root / "plan.pickle").write_bytes(pickle.dumps(ws.plan(SLOW)))
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, width, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "TERM", "COLUMNS", "LINES")}
    process = subprocess.Popen([PYTHON, RUNNER, "plan.pickle"], stdin=slave, stdout=slave, stderr=slave,
                               cwd=ws.root, env={**env, **environment})
    os.close(slave)
    chunks: List[bytes] = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child's side is closed
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        process.wait(timeout=60)
    assert process.returncode == 0
    return b"".join(chunks)


@pytest.mark.parametrize("environment", [{"TERM": "dumb"}, {"TERM": "xterm-256color", "NO_COLOR": "1"}])
def test_a_dumb_terminal_or_no_color_gets_no_escape_codes(ws: Workspace, environment: Dict[str, str]) -> None:
    raw = on_a_pty(ws, environment)
    assert b"\x1b" not in raw
    lines = raw.decode().replace("\r\n", "\n").splitlines()
    assert [re.sub(r"\d+\.\d\ds", "T", line) for line in lines[:4]] == [
        "[0/2]     T start     first", "[1/2]     T done      first",
        "[1/2]     T start     second", "[2/2]     T done      second"]
    assert len(lines) == 5 and re.fullmatch(r"run \S+ succeeded in \d+\.\d\ds \(cache: 0 hits, 0 misses\)", lines[4])


def test_a_capable_terminal_gets_the_live_block(ws: Workspace) -> None:
    raw = on_a_pty(ws, {"TERM": "xterm-256color"}, width=60)
    assert b"\x1b[?25l" in raw and b"done \xc2\xb7 " in raw  # the cursor hidden, the block drawn
    text = raw.decode()
    assert len(re.findall(r"run \S+ succeeded in ", text)) == 1  # the final line, once
    assert "start     first" not in text  # no plain lines under the live block
