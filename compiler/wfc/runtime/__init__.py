"""The runtime: executes a Plan (dependency-driven scheduling, executors, journal, context cache,
retries, compensation, progress). Generated modules call `main(PLAN, argv)`; `wfc run` calls
`run_plan`. Imports are lazy so that importing a generated module stays cheap."""
from __future__ import annotations

from typing import Any, List, Mapping, Optional

__all__ = ["main", "run_plan", "RunOptions", "RunResult"]


def __getattr__(name: str) -> Any:
    if name == "run_plan":
        from wfc.runtime.engine import run_plan

        return run_plan
    if name in ("RunOptions", "RunResult"):
        from wfc.runtime import outcome

        return getattr(outcome, name)
    raise AttributeError(name)


def main(plan: Mapping[str, Any], argv: Optional[List[str]] = None) -> None:
    """The generated module's entry point: options from the plan's arguments, then run; exits."""
    from wfc.runtime.command_line import main as cli_main

    cli_main(plan, argv)
