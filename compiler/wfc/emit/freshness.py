"""Telling, without parsing YAML or loading Jinja, that every output is already current.

Each output's header records its source's SHA-256, which says whether the *workflow* changed.
It cannot say whether the *compiler* changed, and generated files carry no tool version (an
upgrade must not rewrite files whose bytes stay the same). So after a full compile or check,
a local stamp (`.wfc/compile-state.json`, never committed) records a fingerprint of the
compiler and the hash of every output it verified. The fast path trusts outputs only when that
fingerprint matches and every file still hashes the same; otherwise the full check runs. A fresh
CI checkout has no stamp and always gets the full check.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from wfc.emit import Output, atomic_write, read_bytes
from wfc.emit.header import HEADER_PROBE_BYTES, parse_header
from wfc.emit.naming import OutputDirs, command_file, module_file, plan_file, workflow_script_file

STATE_FILE = Path(".wfc") / "compile-state.json"
_PACKAGE = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def compiler_fingerprint() -> str:
    """A hash of the package's code, templates and schemas: what decides an output's bytes."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2", ".json", ".js") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def expected_outputs(source: Path, dirs: OutputDirs) -> List[Path]:
    """The files a workflow always compiles to, from its file name alone (the spec fixes the naming);
    its agent definitions are named inside it, so only the stamp knows them."""
    stem = source.stem
    return [dirs.out / plan_file(stem), dirs.out / module_file(stem), dirs.commands / command_file(stem),
            dirs.workflows / workflow_script_file(stem)]


def load_state() -> Dict[str, Dict[str, str]]:
    raw = read_bytes(STATE_FILE)
    try:
        state = json.loads(raw) if raw else {}
    except ValueError:
        return {}  # a corrupt stamp only costs the full check
    return state if isinstance(state, dict) else {}


def record(dirs: OutputDirs, outputs: Iterable[Output]) -> None:
    """Remember that these outputs, just written or verified equal to the files, are current for
    this compiler (hashed from memory: the bytes on disk are the same)."""
    state = load_state()
    hashes = {output.path.as_posix(): hashlib.sha256(output.data).hexdigest() for output in outputs}
    state[dirs.key] = {"compiler": compiler_fingerprint(), **hashes}
    try:
        atomic_write(STATE_FILE, json.dumps(state, sort_keys=True).encode())
    except OSError:
        pass  # a read-only checkout simply never takes the fast path


def all_current(sources: Sequence[Path], dirs: OutputDirs) -> bool:
    """True only when the stamp vouches for this compiler and every output matches its source."""
    stamp: Optional[Dict[str, str]] = load_state().get(dirs.key)
    if not stamp or stamp.get("compiler") != compiler_fingerprint():
        return False
    shas = {hashlib.sha256(source.read_bytes()).hexdigest() for source in sources}
    fixed = [output.as_posix() for source in sources for output in expected_outputs(source, dirs)]
    if any(output not in stamp for output in fixed):
        return False
    for output, digest in stamp.items():
        data = read_bytes(Path(output)) if output != "compiler" else b""
        if data is None:
            return False
        header = parse_header(data[:HEADER_PROBE_BYTES].decode("utf-8", "replace")) if data else None
        if output == "compiler":
            continue
        if header is None or header[1] not in shas or hashlib.sha256(data).hexdigest() != digest:
            return False
    return not _has_orphans(dirs, stamp)


def _has_orphans(dirs: OutputDirs, stamp: Dict[str, str]) -> bool:
    """A generated file the stamp does not know (someone else's compile) means: check in full."""
    for directory in dirs.all:
        if directory.is_dir():
            for path in directory.iterdir():
                if path.is_file() and path.as_posix() not in stamp and path.suffix in (".py", ".json", ".md", ".js"):
                    data = read_bytes(path) or b""
                    if parse_header(data[:HEADER_PROBE_BYTES].decode("utf-8", "replace")):
                        return True
    return False
