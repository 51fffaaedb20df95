"""Step processes never outlive the run that started them.

Three layers, because each covers what the one before cannot:

- every step's leader asks the kernel for SIGKILL when wfc dies (Linux `PR_SET_PDEATHSIG`, set
  between fork and exec), which needs no cooperation from wfc at all;
- a guard process, one per run, holds the read end of a pipe only wfc writes to: wfc tells it
  each step's process group as it starts and ends, and when the pipe closes without wfc saying
  it is done (wfc died, or was cancelled) the guard kills every group still registered and every
  process that carries the run's token, so a step's children die with it too, even those that
  left its group;
- every step carries the run's token in its environment (`WFC_RUN_TOKEN`, inherited by whatever
  it spawns, even a process that left the group), and `--resume` of a run first stops every
  process that still carries one of that run's tokens, for the case where the guard died too.
"""
from __future__ import annotations

import ctypes
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional

TOKEN_VARIABLE = "WFC_RUN_TOKEN"
STEP_VARIABLE = "WFC_STEP"
PR_SET_PDEATHSIG = 1
PROC = Path("/proc")

# Runs in the guard (argv[1] is the token): reads "+PGID" / "-PGID" lines until EOF; unless the
# last line was "=" (a clean end), kills what is left. Terminal and hang-up signals are the
# runner's to handle, so the guard ignores them and lives until EOF.
GUARD_SOURCE = """\
import os, signal, sys
for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(number, signal.SIG_IGN)
groups, data, clean = set(), b"", False
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        break
    *lines, data = (data + chunk).split(b"\\n")
    for line in lines:
        clean = line == b"="
        if line[:1] in (b"+", b"-"):
            (groups.add if line[:1] == b"+" else groups.discard)(int(line[1:]))
if not clean:
    def kill(group, pid):
        try:
            os.killpg(group, signal.SIGKILL) if group else os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for group in groups:
        kill(group, 0)
    marker = ("%s=%s" % (sys.argv[2], sys.argv[1])).encode() if sys.argv[1] else None
    for _ in range(3 if marker else 0):
        for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
            try:
                with open("/proc/%s/environ" % entry, "rb") as handle:
                    found = marker in handle.read().split(b"\\0")
            except (OSError, ValueError):
                continue
            if found and entry.isdigit() and int(entry) != os.getpid():
                kill(0, int(entry))
"""


def new_token() -> str:
    return secrets.token_hex(16)


def _load_prctl() -> Optional[Callable[..., int]]:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function


_PRCTL = _load_prctl()  # resolved once here: the forked child only makes the call


def die_with_parent(parent: int) -> Optional[Callable[[], None]]:
    """A `preexec_fn` that makes the child get SIGKILL when `parent` dies (None off Linux)."""
    prctl = _PRCTL
    if prctl is None:
        return None

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request: nobody would send it
            os.kill(os.getpid(), signal.SIGKILL)

    return arm


class Guard:
    """The run's guard process, started with the first step process and ended by `close`."""

    def __init__(self, token: str = "") -> None:
        self.token = token
        self._lock = threading.Lock()
        self._process: Optional["subprocess.Popen[bytes]"] = None
        self._closed = False

    def _pipe(self) -> Optional[int]:
        process = self._process
        if process is None or process.poll() is not None:
            if self._closed:
                return None
            try:
                process = subprocess.Popen([sys.executable, "-S", "-I", "-c", GUARD_SOURCE, self.token, TOKEN_VARIABLE],
                                           stdin=subprocess.PIPE,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True)
            except OSError:
                return None  # no guard: the parent-death signal and resume still stop leftovers
            self._process = process
        assert process.stdin is not None
        return process.stdin.fileno()

    def tell(self, sign: str, group: int) -> None:
        with self._lock:
            descriptor = self._pipe()
            if descriptor is None:
                return
            try:
                os.write(descriptor, f"{sign}{group}\n".encode())
            except OSError:
                pass

    def close(self, clean: bool) -> None:
        """Ends the guard; unless `clean`, it first kills whatever of the run is left (a
        cancelled run's steps, and what they started in the background)."""
        with self._lock:
            self._closed = True
            process, self._process = self._process, None
        if process is None or process.stdin is None:
            return
        try:
            if clean:
                os.write(process.stdin.fileno(), b"=\n")
            process.stdin.close()
        except OSError:
            pass
        if not clean:  # the caller goes on to report the run stopped: it must be, by then
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _environment(pid: str) -> List[bytes]:
    try:
        return (PROC / pid / "environ").read_bytes().split(b"\0")
    except OSError:  # gone, or another user's
        return []


def carriers(tokens: Iterable[str]) -> Dict[int, str]:
    """pid -> step of every live process (not this one) whose environment carries a token."""
    wanted = {f"{TOKEN_VARIABLE}={token}".encode() for token in tokens}
    found: Dict[int, str] = {}
    if not wanted or not PROC.is_dir():
        return found
    prefix = f"{STEP_VARIABLE}=".encode()
    for entry in os.listdir(PROC):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        environment = _environment(entry)
        if wanted.intersection(environment) and not _zombie(entry):
            step = next((item[len(prefix):] for item in environment if item.startswith(prefix)), b"?")
            found[int(entry)] = step.decode("utf-8", "replace")
    return found


def _zombie(pid: str) -> bool:
    try:
        status = (PROC / pid / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return status.rpartition(")")[2].split()[:1] == ["Z"]


def stop_leftovers(tokens: Iterable[str], patience: float = 5.0) -> Dict[int, str]:
    """SIGKILL every process carrying one of `tokens`, and wait until none is left running.
    Returns what was found (pid -> step)."""
    tokens = tuple(tokens)
    found = carriers(tokens)
    deadline = time.monotonic() + patience
    left: Dict[Any, str] = dict(found)
    while left and time.monotonic() < deadline:
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
        left = carriers(tokens)  # also catches a child forked just before its parent was killed
        found.update(left)
    return found
