"""What a workflow's outputs are called. Kept free of imports so that `compile --check` can name
the outputs without loading the renderers (and Jinja) that write them."""
from __future__ import annotations


def plan_file(name: str) -> str:
    return f"{name}.plan.json"


def module_file(name: str) -> str:
    """`review-all` -> `review_all.py`: importable, and what `python generated/...` expects."""
    return name.replace("-", "_") + ".py"


def command_file(name: str) -> str:
    """The slash command `/NAME`."""
    return f"{name}.md"
