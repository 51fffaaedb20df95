"""The runtime: executes a Plan (dependency-driven scheduling, executors, journal, context cache,
retries, compensation, progress). Generated modules call `main(PLAN_FILE, argv)`; `wfc run` calls
`run_plan`. Imports are lazy so that importing a generated module stays cheap."""
from __future__ import annotations

import os
from typing import Any, List, Optional, Union

__all__ = ["main", "run_plan", "RunOptions", "RunResult"]


def __getattr__(name: str) -> Any:
    if name == "run_plan":
        from wfc.runtime.engine import run_plan

        return run_plan
    if name in ("RunOptions", "RunResult"):
        from wfc.runtime import outcome

        return getattr(outcome, name)
    raise AttributeError(name)


def main(plan_file: Union[str, "os.PathLike[str]"], argv: Optional[List[str]] = None) -> None:
    """The generated module's entry point: options from the plan's arguments, then run; exits."""
    from wfc.runtime.command_line import main as run_main

    run_main(os.fspath(plan_file), argv)
