"""Which files are workflows, and how paths are shown: cheap, so `compile --check` can use it
without importing the YAML and schema machinery."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, List, Optional, Union

from wfc.diagnostics.errors import fail

WORKFLOW_SUFFIXES = (".yaml", ".yml")
WORKFLOWS = "workflows"  # the directory that makes its parent a project root


def find_root(start: Path) -> Optional[Path]:
    """The nearest directory from `start` up (start included) that holds a `workflows/` directory."""
    for folder in (start, *start.parents):
        if (folder / WORKFLOWS).is_dir():
            return folder
    return None


def display_path(path: Union[str, Path]) -> str:
    """The path as shown and recorded in outputs, `/`-separated: relative paths as given, absolute
    ones relative to the working directory when they lie under it, so generated files compile the
    same on every machine."""
    given = Path(path)
    if given.is_absolute():
        try:
            given = given.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            pass
    return given.as_posix()


def workflow_files(paths: Iterable[Union[str, Path]]) -> List[Path]:
    """The workflow files named by `paths`: files as given, directories' *.yaml and *.yml, sorted."""
    found: List[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in WORKFLOW_SUFFIXES and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            fail(f"no such file or directory: {display_path(path)}", usage=True)
    return sorted(dict.fromkeys(found), key=lambda p: p.as_posix())
