"""wfc: compile declarative multi-agent workflows into plans, runnable modules and commands."""
from __future__ import annotations

__version__ = "0.1.0"
