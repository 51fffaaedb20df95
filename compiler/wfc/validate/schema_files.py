"""Where the JSON schemas live, installed or not.

The repository's `schema/` is the single source of truth (editors point at it). A wheel carries a
copy in `wfc/schema/` (setup.py copies it at build time), so an installed wfc validates with the
same bytes without the repository. An editable install has no copy and reads the repository's.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Dict

WORKFLOW_SCHEMA = "workflow.schema.json"
PLAN_SCHEMA = "plan.schema.json"

_PACKAGE = Path(__file__).resolve().parent.parent
_PACKAGED = _PACKAGE / "schema"
_REPOSITORY = _PACKAGE.parent.parent / "schema"


def schema_path(name: str = WORKFLOW_SCHEMA) -> Path:
    """The schema file `name`: the packaged copy when present, else the repository's.

    The path may not exist (a schema nobody has written yet); callers that read it report that.
    """
    packaged = _PACKAGED / name
    return packaged if packaged.is_file() else _REPOSITORY / name


def schema_bytes(name: str = WORKFLOW_SCHEMA) -> bytes:
    """The schema file's exact bytes, for `wfc schema` to print unchanged."""
    return schema_path(name).read_bytes()


@functools.lru_cache(maxsize=None)
def _load(name: str) -> str:
    return schema_path(name).read_text(encoding="utf-8")


def load_schema(name: str = WORKFLOW_SCHEMA) -> Dict[str, Any]:
    """The parsed schema. The text is cached; each call parses afresh so no caller can mutate
    another's copy (the validator and tests may annotate what they get)."""
    loaded: Dict[str, Any] = json.loads(_load(name))
    return loaded
