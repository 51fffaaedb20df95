"""The context store: step outputs under `.wfc/cache/`, keyed by content, with each context's TTL.

The plan's cache key covers a step's definition and everything upstream of it. The runtime adds
what only a run knows: the values of the arguments the step's templates read, and the contents of
its `files` globs, chained downstream the same way, so changing one argument or one file misses
exactly the steps it reaches. A cache problem is never fatal: an expired, corrupt or unreadable
entry is a miss with a warning.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from wfc.model import Step, Workflow
from wfc.emit import atomic_write
from wfc.runtime.journal import encode
from wfc.format.templating import arguments_read

ENTRY_FORMAT = 1


def step_arguments(step: Step, all_args: Tuple[str, ...]) -> Tuple[str, ...]:
    """The argument names a step's result can depend on. Python calls receive every argument."""
    if step.kind == "python":
        return all_args
    texts: List[str] = [step.title, step.prompt or ""]
    if step.run is not None:
        texts += [step.run] if isinstance(step.run, str) else list(step.run)
    if step.when:
        texts.append("{{ " + step.when + " }}")
    used = arguments_read(texts)
    return all_args if "*" in used else tuple(name for name in used if name in all_args)


def files_digest(patterns: Tuple[str, ...], root: Path) -> str:
    """SHA-256 over the sorted relative paths and contents of the files the globs match."""
    digest = hashlib.sha256()
    paths = sorted({path for pattern in patterns for path in glob.glob(str(root / pattern), recursive=True)})
    for path in paths:
        if not os.path.isfile(path):
            continue
        digest.update(os.path.relpath(path, root).encode() + b"\0")
        with open(path, "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


def runtime_keys(workflow: Workflow, order: Tuple[str, ...], static: Mapping[str, str],
                 dependencies: Mapping[str, Tuple[str, ...]], args: Mapping[str, Any],
                 root: Path) -> Dict[str, str]:
    """Per step: sha256(plan key, argument values it reads, its files, its dependencies' keys)."""
    steps = workflow.steps_by_id()
    names = tuple(sorted(args))
    keys: Dict[str, str] = {}
    for step_id in order:
        step = steps[step_id]
        used = {name: args[name] for name in step_arguments(step, names)}
        parts = [static.get(step_id, ""), encode(used)]
        if step.files:
            parts.append(files_digest(step.files, root))
        parts += [keys[dep] for dep in dependencies[step_id]]
        keys[step_id] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return keys


@dataclass(frozen=True)
class Lookup:
    """A cache answer: the values when every output was fresh, else the reason for the miss."""

    values: Optional[Dict[str, Any]]
    reason: str = ""
    warning: str = ""


class ContextStore:
    """One file per (context name, key): `.wfc/cache/NAME/KEY.json`."""

    def __init__(self, root: Path, ttls: Mapping[str, float], clock: Callable[[], float] = time.time) -> None:
        self.root = root
        self.ttls = ttls
        self.clock = clock

    def path(self, name: str, key: str) -> Path:
        return self.root / name / f"{key}.json"

    def lookup(self, outputs: Tuple[str, ...], key: str) -> Lookup:
        values: Dict[str, Any] = {}
        for name in outputs:
            found = self._read(name, key)
            if isinstance(found, Lookup):
                return found
            values[name] = found
        return Lookup(values)

    def _read(self, name: str, key: str) -> Any:
        path = self.path(name, key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Lookup(None, "absent")
        except OSError as error:
            return Lookup(None, "unreadable", f"cache entry {path} is unreadable ({error.strerror}); running the step")
        try:
            entry = json.loads(text)
            stored_at, value = float(entry["stored_at"]), entry["value"]
            if entry["key"] != key or entry["name"] != name:
                raise ValueError("foreign entry")
        except (ValueError, KeyError, TypeError) as error:
            return Lookup(None, "corrupt", f"cache entry {path} is corrupt ({error}); running the step")
        age = self.clock() - stored_at
        ttl = self.ttls.get(name, 0.0)
        if age > ttl or age < -60:
            return Lookup(
                None, "expired", f"cache entry for `{name}` expired ({age:.0f}s old, ttl {ttl:g}s); running the step"
            )
        return value

    def store(self, values: Mapping[str, Any], key: str) -> Optional[str]:
        """Write each output atomically; a full disk is a warning, not a failed step."""
        for name, value in values.items():
            entry = {"format": ENTRY_FORMAT, "key": key, "name": name, "stored_at": self.clock(), "value": value}
            try:
                atomic_write(self.path(name, key), json.dumps(entry, sort_keys=True), durable=False)
            except OSError as error:
                return f"could not cache `{name}` at {self.path(name, key)} ({error.strerror or error})"
            except (TypeError, ValueError) as error:
                return f"could not cache `{name}`: its value is not JSON ({error})"
        return None
