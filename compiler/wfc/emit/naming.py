"""What a workflow's outputs are called. Kept free of imports so that `compile --check` can name
the outputs without loading the renderers (and Jinja) that write them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple


def plan_file(name: str) -> str:
    return f"{name}.plan.json"


def module_file(name: str) -> str:
    """`review-all` -> `review_all.py`: importable, and what `python generated/...` expects."""
    return name.replace("-", "_") + ".py"


def command_file(name: str) -> str:
    """The slash command `/NAME`."""
    return f"{name}.md"


WORKFLOWS_DIR = "workflows"  # under the output directory, as Claude Code's .claude/workflows/


def workflow_script_file(name: str) -> str:
    """The Claude Code Workflow script, run as `/NAME` once in `.claude/workflows/`."""
    return f"{name}.js"


AGENTS_DIR = "agents"  # under the output directory, as Claude Code's .claude/agents/


def agent_file(name: str) -> str:
    """A subagent definition: Claude Code names the agent after its frontmatter `name`, the stem here."""
    return f"{name}.md"


@dataclass(frozen=True)
class OutputDirs:
    """Where each kind of output goes. Plans and modules go to `out`; command docs, agent
    definitions and Workflow scripts go under `claude` (`.claude/commands/`, `.claude/agents/`,
    `.claude/workflows/`, where Claude Code finds them) when it is given, else under `out`."""

    out: Path = Path("generated")
    commands_dir: Optional[Path] = None  # overrides where the command docs go
    claude: Optional[Path] = None

    @property
    def commands(self) -> Path:
        return self.commands_dir if self.commands_dir is not None else self._claude_side() / "commands"

    @property
    def agents(self) -> Path:
        return self._claude_side() / AGENTS_DIR

    @property
    def workflows(self) -> Path:
        return self._claude_side() / WORKFLOWS_DIR

    def _claude_side(self) -> Path:
        return self.claude if self.claude is not None else self.out

    @property
    def all(self) -> Tuple[Path, ...]:
        """Every directory outputs go to: where pruning and cleaning look."""
        return (self.out, self.commands, self.agents, self.workflows)

    @property
    def key(self) -> str:
        return "|".join(path.as_posix() for path in self.all)
