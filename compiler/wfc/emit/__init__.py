"""Writing generated files: atomically, only when their bytes change, pruning what lost its source.

Files are written by `wfc.emit.writing` (atomic replace of regular files, FIFOs and devices
written through, symlinks followed), so a crash at any moment leaves either the old file or the
new one, never half of one. Pruning deletes only files that carry wfc's header and whose recorded
source no longer exists; anything else in the output directory is the user's and is left alone.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Set, Union

from wfc.emit import writing
from wfc.emit.header import HEADER_PROBE_BYTES, parse_header

DIFF_LINES = 40
DIFF_WINDOW = 400


@dataclass(frozen=True)
class Output:
    """One generated file: where it goes and its bytes.

    Kept as bytes only, encoded once: comparing, writing and stamping all need them, a 10,000-step
    compile holds 44 MB of outputs until they are written, and only `--check`'s diff wants text."""

    path: Path
    data: bytes

    @classmethod
    def of_text(cls, path: Path, text: str) -> "Output":
        return cls(path, text.encode("utf-8"))

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


@dataclass(frozen=True)
class Change:
    """What emitting (or checking) an output did or would do."""

    path: Path
    action: str  # "write", "unchanged", "prune"
    diff: str = ""


def read_bytes(path: Path) -> Optional[bytes]:
    """A regular file's bytes (through symlinks); None for anything else: reading a FIFO would
    take its writer's bytes, or wait for one for ever."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def atomic_write(path: Path, data: Union[bytes, str], durable: bool = True) -> None:
    """Readers see the old bytes or the new ones (see `wfc.emit.writing`, which every writer uses);
    missing directories are created."""
    writing.write_file(path, data, durable, parents=True)


def plan_change(output: Output, force: bool = False, *, with_diff: bool = True) -> Change:
    """Compare an output with what is on disk; with `with_diff`, a short diff for `--check`."""
    current = read_bytes(output.path)
    if current == output.data and not force:
        return Change(output.path, "unchanged")
    return Change(output.path, "write", short_diff(output.path, current, output.text) if with_diff else "")


def short_diff(path: Path, current: Optional[bytes], wanted: str) -> str:
    """The first differences, as a unified diff of at most DIFF_LINES lines.

    Only the region between the common head and the common tail is compared, cut to DIFF_WINDOW
    lines: difflib over two whole 300,000-line plans takes minutes, and no one reads past the
    first screen."""
    if current is None:
        return f"+++ {path.as_posix()} (new file)"
    old = current.decode("utf-8", "replace").splitlines(keepends=True)
    new = wanted.splitlines(keepends=True)
    start = first_difference(old, new)
    tail = first_difference(old[:start - 1:-1], new[:start - 1:-1]) if start else first_difference(old[::-1], new[::-1])
    old_end, new_end = len(old) - tail, len(new) - tail
    cut = max(old_end, new_end) - start > DIFF_WINDOW
    head = max(0, start - 1)
    before, after = (old[head:start + DIFF_WINDOW], new[head:start + DIFF_WINDOW]) if cut else \
        (old[head:old_end + 1], new[head:new_end + 1])
    lines = [_shifted(line, head) for line in difflib.unified_diff(
        before, after, f"a/{path.as_posix()}", f"b/{path.as_posix()}", n=1)]
    if cut:  # the window's last hunk may only be where the cut fell: drop it
        hunks = [index for index, line in enumerate(lines) if line.startswith("@@")]
        lines = lines[:hunks[-1]] if len(hunks) > 1 else lines
    if cut or len(lines) > DIFF_LINES:
        lines = lines[:DIFF_LINES] + ["... (further differences not shown)\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines).rstrip("\n")


def first_difference(old: Sequence[str], new: Sequence[str]) -> int:
    """The index of the first line that differs (the shorter length when one extends the other)."""
    for index, (before, after) in enumerate(zip(old, new)):
        if before != after:
            return index
    return min(len(old), len(new))


_HUNK = re.compile(r"^@@ -(\d+)((?:,\d+)?) \+(\d+)((?:,\d+)?) @@")


def _shifted(line: str, offset: int) -> str:
    """A hunk header of the window's diff, renumbered to the whole file's lines."""
    if not offset or not line.startswith("@@"):
        return line
    return _HUNK.sub(lambda m: f"@@ -{int(m[1]) + offset}{m[2]} +{int(m[3]) + offset}{m[4]} @@", line, count=1)


def apply(outputs: Sequence[Output], force: bool = False) -> List[Change]:
    changes = [plan_change(output, force, with_diff=False) for output in outputs]
    for output, change in zip(outputs, changes):
        if change.action == "write":
            atomic_write(output.path, output.data)
    return changes


def generated_source(path: Path) -> Optional[str]:
    """The source a wfc-generated file names in its header, or None for anyone else's file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEADER_PROBE_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    parsed = parse_header(head)
    return parsed[0] if parsed else None


def stale_outputs(directories: Iterable[Path], keep: Set[Path], root: Path, compiled: Iterable[str] = ()) -> List[Path]:
    """Generated files (by header) that no current workflow produces and whose source (relative to
    the project `root`) is gone or was compiled just now (an agent it no longer defines). Files
    other sources generated, and files without wfc's header, are left alone."""
    stale: List[Path] = []
    sources = set(compiled)
    for directory in dict.fromkeys(directories):
        if not directory.is_dir():
            continue
        ours = _inside_project(directory, root)
        for candidate in sorted(p for p in directory.iterdir() if p.is_file()):
            source = generated_source(candidate)
            if source is None or candidate.resolve() in keep:
                continue
            if source in sources or (ours and not (root / source).exists()):
                stale.append(candidate)
    return stale


def _inside_project(directory: Path, root: Path) -> bool:
    """Whether `directory` lies in the project `root`. A shared directory outside it
    (`~/.claude/commands`) also holds other projects' files, whose relative source paths name
    nothing here: there only what this compile produced is pruned."""
    try:
        directory.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def clear_temporaries(directories: Iterable[Path]) -> None:
    """Remove temporary files a killed wfc left behind: only wfc's, and only a dead process's."""
    for stray in writing.stale_temporaries(directories):
        stray.unlink(missing_ok=True)


def prune(paths: Iterable[Path], check: bool) -> List[Change]:
    changes = []
    for path in paths:
        if not check:
            path.unlink(missing_ok=True)
        changes.append(Change(path, "prune", f"--- {path.as_posix()} (source is gone)"))
    return changes
