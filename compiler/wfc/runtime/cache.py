"""The context store: step outputs under `.wfc/cache/`, keyed by content, with each context's TTL.

The plan's cache key covers a step's definition and everything upstream of it. The runtime adds
what only a run knows: the values of the arguments the step's templates read, and the contents of
its `files` globs, chained downstream the same way, so changing one argument or one file misses
exactly the steps it reaches. A cache problem is never fatal: an expired, corrupt (torn, not
UTF-8, not JSON, another entry's, or a value that no longer matches its checksum) or unreadable
entry is a miss with a warning, and a timestamp that is not a finite number counts as expired.
"""
from __future__ import annotations

import glob
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from wfc.model import Step, Workflow
from wfc.emit import atomic_write
from wfc.runtime.journal import encode
from wfc.format.templating import arguments_read

ENTRY_FORMAT = 2  # 2: entries carry the SHA-256 of their value


class Stale(Exception):
    """An entry of another entry format."""


def checksum(value: Any) -> str:
    """SHA-256 of the value's canonical JSON: a value changed on disk no longer matches it."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, allow_nan=False).encode("utf-8")).hexdigest()


def _decode(data: bytes, name: str, key: str) -> Tuple[float, Any]:
    """(stored at, value) of an entry; raises for anything but this name's and key's intact entry."""
    entry = json.loads(data.decode("utf-8"))
    if not isinstance(entry, dict):
        raise TypeError("not a JSON object")
    if entry.get("format") != ENTRY_FORMAT:
        raise Stale()
    if entry["key"] != key or entry["name"] != name:
        raise ValueError(f"an entry for `{entry['name']}` under another key")
    if entry["sha256"] != checksum(entry["value"]):
        raise ValueError("its value does not match its checksum")
    return float(entry["stored_at"]), entry["value"]


def _why(error: BaseException) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"byte {error.object[error.start]:#04x} at offset {error.start} is not UTF-8"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, KeyError):
        return f"no `{error.args[0]}` field"
    return str(error)


def step_arguments(step: Step, all_args: Tuple[str, ...]) -> Tuple[str, ...]:
    """The argument names a step's result can depend on. Python calls receive every argument."""
    if step.kind == "python":
        return all_args
    texts: List[str] = [step.title, step.prompt or ""]
    if step.run is not None:
        texts += [step.run] if isinstance(step.run, str) else list(step.run)
    if step.when:
        texts.append("{{ " + step.when + " }}")
    if step.fan_out is not None and step.fan_out.source is not None:
        texts.append("{{ " + step.fan_out.source + " }}")  # a map node over an argument reads it
    used = arguments_read(texts)
    return all_args if "*" in used else tuple(name for name in used if name in all_args)


def files_digest(patterns: Tuple[str, ...], root: Path) -> str:
    """SHA-256 over the sorted relative paths and contents of the files the globs match."""
    digest = hashlib.sha256()
    paths = sorted({path for pattern in patterns for path in glob.glob(str(root / pattern), recursive=True)})
    for path in paths:
        if not os.path.isfile(path):
            continue
        digest.update(os.path.relpath(path, root).encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
        except OSError as error:  # an unreadable file is part of the state too: the key says so
            digest.update(f"unreadable: {error.strerror}".encode())
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
            data = path.read_bytes()
        except FileNotFoundError:
            return Lookup(None, "absent")
        except OSError as error:
            return Lookup(None, "unreadable", f"cache entry {path} is unreadable ({error.strerror}); running the step")
        try:
            stored_at, value = _decode(data, name, key)
        except Stale:
            return Lookup(None, "format")  # written by another version of wfc: a plain miss
        except (ValueError, KeyError, TypeError, RecursionError) as error:
            return Lookup(None, "corrupt", f"cache entry {path} is corrupt ({_why(error)}); running the step")
        age = self.clock() - stored_at
        ttl = self.ttls.get(name, 0.0)
        if not math.isfinite(age) or age > ttl or age < -60:  # NaN compares false: it would never expire
            shown = f"{age:.0f}s old" if math.isfinite(age) else f"stored at {stored_at}"
            return Lookup(None, "expired",
                          f"cache entry for `{name}` expired ({shown}, ttl {ttl:g}s); running the step")
        return value

    def forget(self, outputs: Tuple[str, ...], key: str) -> Optional[str]:
        """Remove the entries of `key`: what a compensation undid is not to be served again."""
        for name in outputs:
            try:
                self.path(name, key).unlink(missing_ok=True)
            except OSError as error:
                return f"could not remove the cache entry {self.path(name, key)} ({error.strerror or error})"
        return None

    def store(self, values: Mapping[str, Any], key: str) -> Optional[str]:
        """Write each output atomically; a full disk is a warning, not a failed step."""
        for name, value in values.items():
            try:
                entry = {"format": ENTRY_FORMAT, "key": key, "name": name, "stored_at": self.clock(),
                         "sha256": checksum(value), "value": value}
                atomic_write(self.path(name, key), json.dumps(entry, sort_keys=True), durable=False)
            except OSError as error:
                return f"could not cache `{name}` at {self.path(name, key)} ({error.strerror or error})"
            except (TypeError, ValueError) as error:
                return f"could not cache `{name}`: its value is not JSON ({error})"
        return None
