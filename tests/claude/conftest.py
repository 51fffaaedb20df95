"""Fixtures for tests/claude; the helpers live in claude_support.py, a name no other test directory uses."""
from claude_support import *  # noqa: F401,F403  (fixtures must be visible to pytest from here)
