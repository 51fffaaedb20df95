"""The JavaScript helpers a Workflow script's templates call, read from `templates/workflow_helpers.js`.

They live in a real JavaScript file so they are read, checked (`node --check`) and tested as
JavaScript; each follows a `// helper: NAME (CALLS)` line. A script carries only the helpers its
templates use, and the ones those call, in the file's order, so the output is stable.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

HELPERS_FILE = Path(__file__).resolve().parent.parent / "templates" / "workflow_helpers.js"
_HEADING = re.compile(r"^// helper: (\w+) \(([\w, ]*)\)\n", re.MULTILINE)


@lru_cache(maxsize=1)
def helpers() -> Dict[str, Tuple[str, Tuple[str, ...]]]:
    """name -> (source, names it calls), in the file's order."""
    text = HELPERS_FILE.read_text(encoding="utf-8")
    found: Dict[str, Tuple[str, Tuple[str, ...]]] = {}
    headings = list(_HEADING.finditer(text))
    for heading, following in zip(headings, headings[1:] + [None]):
        source = text[heading.end():following.start() if following else len(text)].strip()
        calls = tuple(name.strip() for name in heading.group(2).split(",") if name.strip())
        found[heading.group(1)] = (source, calls)
    return found


def closure(names: Iterable[str]) -> List[str]:
    """`names` and every helper they call, in the file's order."""
    known = helpers()
    wanted = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending.extend(known[name][1])
    return [name for name in known if name in wanted]


def helpers_source(names: Iterable[str]) -> str:
    return "\n".join(helpers()[name][0] for name in closure(names))
